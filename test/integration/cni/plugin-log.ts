/**
 * The plugin's log file read back as invocations: each run of the plugin appends one block of JSON
 * lines starting with its `invoked` line, so concurrent runs never interleave inside a block.
 */

export interface LogEntry {
  readonly level: string;
  readonly msg: string;
}

export interface Invocation {
  readonly command: string;
  readonly containerID: string;
  /** CNI_NETNS as the runtime passed it ('' on containerd's DEL at sandbox removal). */
  readonly netns: string;
  /** What the run logged after `invoked`. */
  readonly entries: LogEntry[];
}

export function invocations(log: string): Invocation[] {
  const runs: Invocation[] = [];
  for (const line of log.split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line) as Record<string, string>;
    if (entry.msg === 'invoked') {
      runs.push({
        command: entry.command ?? '',
        containerID: entry.containerID ?? '',
        netns: entry.netns ?? '',
        entries: [],
      });
    } else {
      runs.at(-1)?.entries.push({ level: entry.level ?? '', msg: entry.msg ?? '' });
    }
  }
  return runs;
}
