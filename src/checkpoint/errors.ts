/** Why a checkpoint could not be used or kept; the message always names the file. */
export type CheckpointErrorKind =
  | 'unreadable'
  | 'invalid'
  | 'version'
  | 'duplicate-ip'
  | 'duplicate-key'
  | 'dropped-write'
  | 'write';

export class CheckpointError extends Error {
  readonly kind: CheckpointErrorKind;
  readonly file: string;

  constructor(
    kind: CheckpointErrorKind,
    file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`checkpoint ${file}: ${detail}`, options);
    this.name = 'CheckpointError';
    this.kind = kind;
    this.file = file;
  }
}
