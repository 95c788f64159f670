import { errorCodeName } from './protocol-codes.ts';

/**
 * Something the server sent that breaks HTTP/2, with the error code we answer it with in GOAWAY
 * (RFC 9113 §5.4.1). We treat every such error as a connection error, which the RFC allows.
 */
export class Http2Error extends Error {
  readonly code: number;

  constructor(code: number, detail: string) {
    super(`HTTP/2 ${errorCodeName(code)}: ${detail}`);
    this.name = 'Http2Error';
    this.code = code;
  }
}
