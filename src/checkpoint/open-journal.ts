import type { AppendFile } from './checkpoint-fs.ts';

/**
 * The journal file this process appends to, with how long it is known to be. An append that
 * fails may have left its record, or part of it, behind: the file is cut back to its known length
 * before the failure is reported, so a commit reported as failed is not replayed after a restart,
 * and a failed write never becomes damage in the middle of the journal. When even that cut fails,
 * the next append tries it again first (until then a crash could replay the failed commit).
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

  /** Appends one framed record (frameBytes) durably. */
  async append(frame: Uint8Array): Promise<void> {
    if (this.damaged) {
      await this.file.truncate(this.knownLength);
      this.damaged = false;
    }
    try {
      await this.file.appendDurably(frame);
    } catch (error) {
      await this.file.truncate(this.knownLength).catch(() => {
        this.damaged = true;
      });
      throw error;
    }
    this.knownLength += frame.length;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
