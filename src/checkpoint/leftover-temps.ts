import { basename, dirname, join } from 'node:path';
import type { CheckpointFs } from './checkpoint-fs.ts';

/**
 * Removes the temp files a write leaves when the process is killed in the middle of it:
 * `<checkpoint>.tmp<digits>` (the snapshot's, also the reference's own os.CreateTemp pattern) and
 * `<checkpoint>.journal.tmp<digits>`. Nothing reads them: a write counts only once renamed into
 * place. Best effort (a name that cannot be listed or removed stays); returns the paths removed.
 */
export async function removeLeftoverTemps(checkpoint: string, fs: CheckpointFs): Promise<string[]> {
  const dir = dirname(checkpoint);
  const name = basename(checkpoint).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const temp = new RegExp(`^${name}(?:\\.journal)?\\.tmp\\d+$`);
  const names = await fs.list(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of names) {
    if (!temp.test(entry)) continue;
    const path = join(dir, entry);
    if (
      await fs.unlink(path).then(
        () => true,
        () => false,
      )
    )
      removed.push(path);
  }
  if (removed.length > 0) await fs.syncDir(dir).catch(() => undefined);
  return removed;
}
