/**
 * A CNI error: printed as JSON on stdout (`cniVersion`, `code`, `msg`, optional `details`) with a
 * non-zero exit, as the CNI specification asks. Codes 0–99 are the specification's well-known
 * ones; the reference reports every failure of its own ADD/DEL code as 999, which runtimes and
 * their logs already know, so we do too.
 */
export const CNI_ERROR = {
  /** The network configuration's cniVersion is not one this plugin speaks. */
  incompatibleVersion: 1,
  /** A field of the network configuration this plugin does not support. */
  unsupportedField: 2,
  /** The container or its network namespace does not exist. */
  unknownContainer: 3,
  /** A CNI_* environment variable is missing or invalid. */
  invalidEnvironment: 4,
  ioFailure: 5,
  /** stdin (or prevResult) is not JSON of the expected shape. */
  decodingFailure: 6,
  invalidNetworkConfig: 7,
  tryAgainLater: 11,
  /** STATUS: the plugin cannot serve ADDs now (ipamd is not answering). */
  pluginNotAvailable: 50,
  /** The reference's code for its own ADD/DEL failures. */
  internal: 999,
} as const;

export class CniError extends Error {
  readonly code: number;
  readonly details: string | undefined;

  constructor(code: number, msg: string, details?: string) {
    super(msg);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }
}

/** The error JSON of the CNI specification, in `cniVersion`. */
export function encodeCniError(error: CniError, cniVersion: string): string {
  const body: Record<string, unknown> = { cniVersion, code: error.code, msg: error.message };
  if (error.details !== undefined && error.details !== '') body.details = error.details;
  return JSON.stringify(body);
}

/** Anything thrown, as a CniError (an unexpected failure is an internal one). */
export function asCniError(error: unknown): CniError {
  if (error instanceof CniError) return error;
  return new CniError(CNI_ERROR.internal, error instanceof Error ? error.message : String(error));
}
