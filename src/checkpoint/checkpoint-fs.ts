import { open, readFile, rename, unlink } from 'node:fs/promises';

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

export interface CheckpointFs {
  /** The file's text, or undefined when it does not exist. Other failures reject. */
  readFile(path: string): Promise<string | undefined>;
  /** Creates a file that must not exist yet (O_CREAT|O_EXCL). */
  createExclusive(path: string, mode: number): Promise<WritableFile>;
  /** Opens for appending, creating the file when missing. */
  openAppend(path: string, mode: number): Promise<WritableFile>;
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

export const nodeCheckpointFs: CheckpointFs = {
  readFile: async (path) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  createExclusive: (path, mode) => wrap(path, 'wx', mode),
  openAppend: (path, mode) => wrap(path, 'a', mode),
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
