import { basename, dirname } from 'node:path';
import type {
  AppendFile,
  CheckpointFs,
  WritableFile,
} from '../../../src/checkpoint/checkpoint-fs.ts';
import {
  combineCheckpoint,
  type DurableCheckpoint,
} from '../../../src/checkpoint/durable-checkpoint.ts';
import { journalPath } from '../../../src/checkpoint/paths.ts';

export type FsOp =
  | 'readFile'
  | 'readBytes'
  | 'createExclusive'
  | 'openAppend'
  | 'openJournal'
  | 'list'
  | 'write'
  | 'sync'
  | 'truncate'
  | 'close'
  | 'rename'
  | 'unlink'
  | 'syncDir';

/**
 * An in-memory CheckpointFs for tests: files are strings, a written file becomes visible only on
 * close (like a real file's data is only "known" to us after fsync), and any operation can be
 * made to fail or to wait for the test to release it.
 */
export class MemoryFs implements CheckpointFs {
  readonly files = new Map<string, string>();
  readonly log: string[] = [];
  /** Return an Error to make that operation fail. */
  failWith: (op: FsOp, path: string) => Error | undefined = () => undefined;
  /** Return a promise to make that operation wait for it. */
  gate: (op: FsOp, path: string) => Promise<void> | undefined = () => undefined;
  /** Called as each operation begins, before it changes anything (e.g. to copy the files as a crash there would leave them). */
  onStep: (op: FsOp, path: string) => void = () => undefined;

  private async step(op: FsOp, path: string): Promise<void> {
    this.onStep(op, path);
    this.log.push(`${op} ${path}`);
    const wait = this.gate(op, path);
    if (wait) await wait;
    const error = this.failWith(op, path);
    if (error) throw error;
  }

  async readFile(path: string): Promise<string | undefined> {
    await this.step('readFile', path);
    return this.files.get(path);
  }

  async readBytes(path: string): Promise<Uint8Array | undefined> {
    await this.step('readBytes', path);
    const text = this.files.get(path);
    return text === undefined ? undefined : Buffer.from(text, 'utf8');
  }

  async list(dir: string): Promise<string[]> {
    await this.step('list', dir);
    return [...this.files.keys()].filter((p) => dirname(p) === dir).map((p) => basename(p));
  }

  /**
   * The journal: an append is a `write` (the bytes are in the file from then on, as after a
   * real write) and a `sync`; either can fail.
   */
  async openJournal(path: string): Promise<AppendFile> {
    await this.step('openJournal', path);
    if (!this.files.has(path))
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return {
      appendDurably: async (data) => {
        await this.step('write', path);
        this.files.set(path, (this.files.get(path) ?? '') + Buffer.from(data).toString('utf8'));
        await this.step('sync', path);
      },
      truncate: async (length) => {
        await this.step('truncate', path);
        const bytes = Buffer.from(this.files.get(path) ?? '', 'utf8');
        this.files.set(path, bytes.subarray(0, length).toString('utf8'));
      },
      close: () => this.step('close', path),
    };
  }

  private handle(path: string, initial: string): WritableFile {
    let content = initial;
    return {
      write: async (data) => {
        await this.step('write', path);
        content += data;
        this.files.set(path, content);
      },
      sync: () => this.step('sync', path),
      close: () => this.step('close', path),
    };
  }

  async createExclusive(path: string): Promise<WritableFile> {
    await this.step('createExclusive', path);
    if (this.files.has(path)) throw Object.assign(new Error(`EEXIST: ${path}`), { code: 'EEXIST' });
    this.files.set(path, '');
    return this.handle(path, '');
  }

  async openAppend(path: string): Promise<WritableFile> {
    await this.step('openAppend', path);
    const existing = this.files.get(path) ?? '';
    this.files.set(path, existing);
    return this.handle(path, existing);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.step('rename', `${from} -> ${to}`);
    const content = this.files.get(from);
    if (content === undefined) throw new Error(`ENOENT: ${from}`);
    this.files.delete(from);
    this.files.set(to, content);
  }

  async unlink(path: string): Promise<void> {
    await this.step('unlink', path);
    if (!this.files.delete(path)) {
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    }
  }

  async syncDir(dir: string): Promise<void> {
    await this.step('syncDir', dir);
  }

  /**
   * What a restart would read now (the snapshot with the journal's commits after it), without
   * going through the operations' log, faults or gates.
   */
  durable(path: string): DurableCheckpoint {
    const journal = this.files.get(journalPath(path));
    return combineCheckpoint(
      path,
      this.files.get(path),
      journal === undefined ? undefined : Buffer.from(journal, 'utf8'),
    );
  }

  /** Container IDs of the allocations a restart would read now, sorted. */
  durableKeys(path: string): string[] {
    const allocations = this.durable(path).state?.allocations ?? [];
    return allocations.map((a) => a.entry.containerID).sort();
  }

  /** Files in a directory other than `except`. */
  others(path: string): string[] {
    return [...this.files.keys()].filter((p) => dirname(p) === dirname(path) && p !== path);
  }
}

/** A promise with its resolver, for gating operations. */
export function deferred(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}
