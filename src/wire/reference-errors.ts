/**
 * The reference's DelNetwork error for a pod ipamd does not know (Go multierror text, sent as the
 * gRPC status message). Its plugins treat any error containing `datastore: unknown pod` as a
 * successful DEL, which is what makes DEL idempotent end to end; ipamd must send this text.
 */
export const UNKNOWN_POD_ERROR = '1 error occurred:\n\t* datastore: unknown pod\n\n';

/** The plugin's side of that contract: does this status message mean "nothing to delete"? */
export function isUnknownPodError(message: string): boolean {
  return message.includes('datastore: unknown pod');
}
