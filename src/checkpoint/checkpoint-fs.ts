import { constants, write } from 'node:fs';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';

/**
 * The file operations the checkpoint code needs, as a port: the daemon uses the real filesystem,
 * tests inject slow or failing ones.
 */
export interface WritableFile {
  write(data: string): Promise<void>;
  /** fsync. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The journal, open for appending: every write goes to the end of the file. */
export interface AppendFile {
  /** Appends `data` and returns once it is durable (write + fdatasync, or one O_DSYNC write). */
  appendDurably(data: Uint8Array): Promise<void>;
  /** Cuts the file to `length` bytes, durably. */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface CheckpointFs {
  /** The file's text, or undefined when it does not exist. Other failures reject. */
  readFile(path: string): Promise<string | undefined>;
  /** The file's bytes, or undefined when it does not exist. Other failures reject. */
  readBytes(path: string): Promise<Uint8Array | undefined>;
  /** Creates a file that must not exist yet (O_CREAT|O_EXCL). */
  createExclusive(path: string, mode: number): Promise<WritableFile>;
  /** Opens for appending, creating the file when missing. */
  openAppend(path: string, mode: number): Promise<WritableFile>;
  /** Opens an existing file for durable appends (the journal). */
  openJournal(path: string): Promise<AppendFile>;
  /** Names of the entries of a directory. */
  list(dir: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync of a directory, making a rename or create in it durable. */
  syncDir(dir: string): Promise<void>;
}

async function wrap(path: string, flags: string, mode: number): Promise<WritableFile> {
  const handle = await open(path, flags, mode);
  return {
    write: async (data) => {
      await handle.writeFile(data, 'utf8');
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

/**
 * O_DSYNC makes each write return only once its data (and the size change) is on disk: one system
 * call and one trip through libuv's thread pool per commit instead of write + fdatasync.
 */
const JOURNAL_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_DSYNC;

async function openJournal(path: string): Promise<AppendFile> {
  const handle = await open(path, JOURNAL_FLAGS);
  return {
    appendDurably: (data) => writeAll(handle.fd, data),
    truncate: async (length) => {
      await handle.truncate(length);
      await handle.sync();
    },
    close: () => handle.close(),
  };
}

/**
 * The whole buffer, with the callback API: one thread-pool trip and no promise machinery per
 * write (FileHandle.writeFile costs several) on the path every pod start waits on.
 */
function writeAll(fd: number, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (offset: number) => {
      write(fd, data, offset, data.length - offset, null, (error, written) => {
        if (error) reject(error);
        else if (offset + written < data.length) from(offset + written);
        else resolve();
      });
    };
    from(0);
  });
}

export const nodeCheckpointFs: CheckpointFs = {
  readFile: async (path) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  readBytes: async (path) => {
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  createExclusive: (path, mode) => wrap(path, 'wx', mode),
  openAppend: (path, mode) => wrap(path, 'a', mode),
  openJournal,
  list: (dir) => readdir(dir),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  syncDir: async (dir) => {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
