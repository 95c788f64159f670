import { randomInt } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { CheckpointFs, WritableFile } from './checkpoint-fs.ts';

/** Go's os.CreateTemp puts a random decimal number where the pattern has `*`. */
export function randomTempSuffix(): string {
  return String(randomInt(0, 2 ** 32 - 1));
}

/**
 * Replaces `path` with `data` so that a reader (or a crash) sees either the old file or the new
 * one, never a mix: write `<name>.tmp<random>` in the same directory, fsync it, rename it over
 * the target, fsync the directory. The temp file is removed on any failure before the rename; a
 * failure after it (directory fsync) leaves the new file in place and still rejects.
 */
export async function writeFileAtomic(
  path: string,
  data: string,
  fs: CheckpointFs,
  tempSuffix: () => string = randomTempSuffix,
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${basename(path)}.tmp${tempSuffix()}`);
  let file: WritableFile | undefined;
  let created = false;
  let renamed = false;
  try {
    file = await fs.createExclusive(temp, 0o600);
    created = true;
    await file.write(data);
    await file.sync();
    const closing = file;
    file = undefined;
    await closing.close();
    await fs.rename(temp, path);
    renamed = true;
    await fs.syncDir(dir);
  } catch (error) {
    if (file) await file.close().catch(() => undefined);
    if (created && !renamed) await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Appends and fsyncs (the file is created 0600 when missing). */
export async function appendDurable(path: string, data: string, fs: CheckpointFs): Promise<void> {
  const file = await fs.openAppend(path, 0o600);
  try {
    await file.write(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.syncDir(dirname(path));
}
