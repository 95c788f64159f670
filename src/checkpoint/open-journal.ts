import type { AppendFile } from './checkpoint-fs.ts';

/**
 * The journal file this process appends to, with how long it is known to be. An append that
 * fails may have left part of its record behind; the next append first cuts the file back to its
 * known length, so a failed write never becomes damage in the middle of the journal.
 */
export class OpenJournal {
  private readonly file: AppendFile;
  private knownLength: number;
  /** Set after a failed append: the file may hold bytes past knownLength. */
  private damaged = false;

  constructor(file: AppendFile, length: number) {
    this.file = file;
    this.knownLength = length;
  }

  /** Bytes of whole, durable records. */
  get length(): number {
    return this.knownLength;
  }

  /** Appends one framed record durably. */
  async append(frame: string): Promise<void> {
    if (this.damaged) {
      await this.file.truncate(this.knownLength);
      this.damaged = false;
    }
    try {
      await this.file.appendDurably(frame);
    } catch (error) {
      this.damaged = true;
      throw error;
    }
    this.knownLength += Buffer.byteLength(frame, 'utf8');
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
