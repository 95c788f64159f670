/**
 * Bytes that are not a valid encoding of the message (or gRPC frame) a reader expected, or a
 * value a writer cannot encode. The message names the message type and the field, so a log line
 * or a CNI error says what was wrong without a hex dump.
 */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}
