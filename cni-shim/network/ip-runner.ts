import { readdirSync, readFileSync } from 'node:fs';

/**
 * ip(8) for the plugin: batches in the host's network namespace or, through nsenter(1), in the
 * pod's (CNI_NETNS is a path, which `ip -n` cannot take). A pod's set-up is a handful of
 * processes, whatever its number of commands.
 */

/** A batch line that failed, and why. */
export interface BatchFailure {
  /** 1-based line number in the batch. */
  readonly line: number;
  readonly command: string;
  readonly message: string;
}

export class IpCommandError extends Error {
  readonly failures: readonly BatchFailure[];
  constructor(where: string, failures: readonly BatchFailure[], detail: string) {
    const first = failures[0];
    super(
      first
        ? `${where}: "ip ${first.command}" failed: ${first.message}`
        : `${where}: ip failed: ${detail}`,
    );
    this.name = 'IpCommandError';
    this.failures = failures;
  }
}

/** Kernel answers that mean "there is nothing to remove": teardown treats them as done. */
const ALREADY_GONE = [
  'No such file or directory',
  'No such process',
  'Cannot find device',
  'does not exist',
  'Cannot assign requested address',
];

export function isAlreadyGone(message: string): boolean {
  return ALREADY_GONE.some((text) => message.includes(text));
}

/** A link of the host's network namespace. */
export interface HostLink {
  readonly ifname: string;
  readonly address?: string;
}

export interface IpRunner {
  /** Runs the lines in order in `netns` (undefined: the host's); the first failure throws. */
  batch(lines: readonly string[], netns?: string): Promise<void>;
  /** Runs every line whatever fails before it (ip -force) and answers every failure. */
  forceBatch(lines: readonly string[], netns?: string): Promise<BatchFailure[]>;
  /** `ip -json <args>` in `netns` (undefined: the host's), parsed. */
  json(args: readonly string[], netns?: string): Promise<unknown>;
  /** The host's links with their MACs. */
  hostLinks(): Promise<HostLink[]>;
}

/**
 * Runs every line and answers the failures that are not "already gone": what a teardown must
 * report.
 */
export async function cleanup(
  ip: IpRunner,
  lines: readonly string[],
  netns?: string,
): Promise<BatchFailure[]> {
  if (lines.length === 0) return [];
  const failures = await ip.forceBatch(lines, netns);
  return failures.filter((failure) => !isAlreadyGone(failure.message));
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(
  netns: string | undefined,
  args: readonly string[],
  input?: string,
): Promise<Run> {
  // Loaded on first use: VERSION, STATUS and GC never start a process.
  const { execFile } = await import('node:child_process');
  const [file, argv] =
    netns === undefined ? ['ip', [...args]] : ['nsenter', [`--net=${netns}`, 'ip', ...args]];
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      argv,
      { encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        const code = (error as NodeJS.ErrnoException).code;
        if (typeof code === 'number') return resolve({ code, stdout, stderr });
        reject(new Error(`${file} could not run: ${stderr || error.message}`));
      },
    );
    child.stdin?.on('error', () => {
      // ip exits early on a bad first line; its exit status says why.
    });
    child.stdin?.end(input ?? '');
  });
}

/**
 * Which batch lines failed: iproute2 prints the kernel's message, then `Command failed -:N`.
 */
export function parseBatchFailures(stderr: string, lines: readonly string[]): BatchFailure[] {
  const failures: BatchFailure[] = [];
  let pending: string[] = [];
  for (const text of stderr.split('\n')) {
    const marker = /^Command failed -:(\d+)$/.exec(text.trim());
    if (!marker) {
      if (text.trim() !== '') pending.push(text.trim());
      continue;
    }
    const line = Number(marker[1]);
    failures.push({ line, command: lines[line - 1] ?? '?', message: pending.join(' ') });
    pending = [];
  }
  return failures;
}

export const systemIpRunner: IpRunner = {
  async batch(lines, netns) {
    if (lines.length === 0) return;
    const result = await run(netns, ['-batch', '-'], `${lines.join('\n')}\n`);
    if (result.code === 0) return;
    const where = netns === undefined ? 'host' : `pod netns ${netns}`;
    throw new IpCommandError(where, parseBatchFailures(result.stderr, lines), result.stderr.trim());
  },

  async forceBatch(lines, netns) {
    if (lines.length === 0) return [];
    const result = await run(netns, ['-force', '-batch', '-'], `${lines.join('\n')}\n`);
    if (result.code === 0) return [];
    const failures = parseBatchFailures(result.stderr, lines);
    if (failures.length > 0) return failures;
    return [{ line: 0, command: 'batch', message: result.stderr.trim() || `exit ${result.code}` }];
  },

  async json(args, netns) {
    const result = await run(netns, ['-json', ...args]);
    if (result.code !== 0) {
      throw new Error(
        `ip -json ${args.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`,
      );
    }
    return result.stdout.trim() === '' ? [] : JSON.parse(result.stdout);
  },

  async hostLinks() {
    // sysfs answers in-process what `ip -json link show` answers with a process (a pod start waits
    // for every process the plugin starts) — but it shows the links of the namespace it was
    // mounted in, which need not be ours (a runtime in its own network namespace without its own
    // /sys). /proc/self/net/dev always lists our namespace's links: sysfs is used only when the
    // two agree.
    const inNamespace = readProcNetDevNames();
    const fromSysfs = inNamespace ? readSysfsLinks() : undefined;
    if (fromSysfs && sameNames(fromSysfs, inNamespace!)) return fromSysfs;
    return (await this.json(['link', 'show'])) as HostLink[];
  },
};

/** Interface names in /proc/net/dev's format: two header lines, then `  name: counters…`. */
export function parseProcNetDev(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .flatMap((line) => {
      const colon = line.indexOf(':');
      return colon > 0 ? [line.slice(0, colon).trim()] : [];
    });
}

function readProcNetDevNames(): string[] | undefined {
  try {
    return parseProcNetDev(readFileSync('/proc/self/net/dev', 'utf8'));
  } catch {
    return undefined;
  }
}

export function sameNames(links: readonly HostLink[], names: readonly string[]): boolean {
  if (links.length !== names.length) return false;
  const listed = new Set(names);
  return links.every((link) => listed.has(link.ifname));
}

const SYSFS_NET = '/sys/class/net';

/** The links sysfs shows with their MACs, or undefined when it cannot be read. */
function readSysfsLinks(): HostLink[] | undefined {
  let names: string[];
  try {
    names = readdirSync(SYSFS_NET);
  } catch {
    return undefined;
  }
  const links: HostLink[] = [];
  for (const ifname of names) {
    try {
      links.push({
        ifname,
        address: readFileSync(`${SYSFS_NET}/${ifname}/address`, 'utf8').trim(),
      });
    } catch {
      // Gone between the listing and the read (the comparison with /proc then fails).
    }
  }
  return links;
}
