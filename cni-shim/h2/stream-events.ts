import type { Goaway } from './frame-payloads.ts';
import type { HeaderField } from './hpack/header-field.ts';
import type { Http2Error } from './http2-error.ts';

/** Why a stream ended without the server's END_STREAM. */
export type StreamAbort =
  /** The socket never connected (ENOENT, ECONNREFUSED, …). */
  | { readonly kind: 'connect-failed'; readonly error: Error }
  /** The server sent RST_STREAM with this error code. */
  | { readonly kind: 'reset'; readonly code: number }
  /** The server's GOAWAY says it never processed this stream. */
  | { readonly kind: 'refused'; readonly goaway: Goaway }
  /** The connection closed first; `goaway` when the server said why. */
  | { readonly kind: 'connection-lost'; readonly error?: Error; readonly goaway?: Goaway }
  /** The server broke the protocol; we sent GOAWAY with the error's code and closed. */
  | { readonly kind: 'protocol-error'; readonly error: Http2Error }
  /** We closed the connection. */
  | { readonly kind: 'closed' };

/** What one request stream hears from the connection. */
export interface StreamEvents {
  /** A complete header block (HEADERS and its CONTINUATIONs), decoded. */
  headers(fields: readonly HeaderField[], endStream: boolean): void;
  data(bytes: Uint8Array, endStream: boolean): void;
  /** Called at most once, and never after an `endStream`. */
  aborted(reason: StreamAbort): void;
}

/** A request stream the caller may give up on. */
export interface ClientStream {
  /** Sends RST_STREAM (CANCEL); the stream's events stop. */
  cancel(): void;
}
