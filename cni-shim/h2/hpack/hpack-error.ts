/**
 * A header block that cannot be decoded. HTTP/2 makes it a connection error of type
 * COMPRESSION_ERROR (RFC 9113 §4.3): the decoder's table no longer matches the server's.
 */
export class HpackError extends Error {
  constructor(message: string) {
    super(`HPACK: ${message}`);
    this.name = 'HpackError';
  }
}
