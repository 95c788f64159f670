import { readFile } from 'node:fs/promises';

/** Reading the daemon's JSON log file: the "ipamd serving" line and the last lines. */

export interface ServingAddresses {
  readonly metricsAddress: string | undefined;
  readonly introspectionAddress: string | undefined;
  readonly socket: string | undefined;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** The bound addresses from the daemon's "ipamd serving" line; undefined until it is logged. */
export async function findServingLine(path: string): Promise<ServingAddresses | undefined> {
  for (const line of (await readText(path)).split('\n')) {
    if (!line.includes('"ipamd serving"')) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg !== 'ipamd serving') continue;
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      return {
        metricsAddress: text(entry.metricsAddress),
        introspectionAddress: text(entry.introspectionAddress),
        socket: text(entry.socket),
      };
    } catch {
      // A line cut in the middle of a write; the next read sees it whole.
    }
  }
  return undefined;
}

/** The last `count` non-empty lines of a file ([] when it does not exist). */
export async function tailLines(path: string, count: number): Promise<string[]> {
  const lines = (await readText(path)).split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-count);
}
