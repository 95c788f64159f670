import { CNI_ERROR, CniError } from './cni-error.ts';

/** The operations of the CNI specification (1.1). */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';

const COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];

/** What the runtime passes in the environment for one invocation. */
export interface CniEnvironment {
  readonly command: CniCommand;
  readonly containerId: string;
  /** The pod's network namespace (a path); '' when the runtime has none (a second DEL). */
  readonly netns: string;
  readonly ifName: string;
  /** CNI_ARGS, unparsed. */
  readonly args: string;
  readonly path: string;
}

/** The variables each command needs (libcni's skel). */
const REQUIRED: Record<CniCommand, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: ['CNI_PATH'],
  VERSION: [],
};

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Reads and checks the CNI_* variables. Undefined when CNI_COMMAND is unset: the plugin was run by
 * hand, and says what it is instead. Every problem is error code 4 naming the variable.
 */
export function readCniEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): CniEnvironment | undefined {
  const command = env.CNI_COMMAND ?? '';
  if (command === '') return undefined;
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new CniError(
      CNI_ERROR.invalidEnvironment,
      `unknown CNI_COMMAND "${command}" (want one of ${COMMANDS.join(', ')})`,
    );
  }
  const cniCommand = command as CniCommand;
  const missing = REQUIRED[cniCommand].filter((name) => (env[name] ?? '') === '');
  if (missing.length > 0) {
    throw new CniError(
      CNI_ERROR.invalidEnvironment,
      `required env variables [${missing.join(',')}] missing`,
    );
  }
  const read: CniEnvironment = {
    command: cniCommand,
    containerId: env.CNI_CONTAINERID ?? '',
    netns: env.CNI_NETNS ?? '',
    ifName: env.CNI_IFNAME ?? '',
    args: env.CNI_ARGS ?? '',
    path: env.CNI_PATH ?? '',
  };
  if (REQUIRED[cniCommand].includes('CNI_CONTAINERID')) {
    if (!CONTAINER_ID.test(read.containerId)) {
      throw new CniError(
        CNI_ERROR.invalidEnvironment,
        `invalid characters in containerID "${read.containerId}"`,
      );
    }
    checkInterfaceName(read.ifName);
    if (read.netns !== '' && !read.netns.startsWith('/')) {
      throw new CniError(
        CNI_ERROR.invalidEnvironment,
        `CNI_NETNS "${read.netns}" is not an absolute path`,
      );
    }
  }
  return read;
}

/** Linux interface names: 1–15 bytes, not '.' or '..', no '/', ':' or whitespace. */
export function checkInterfaceName(name: string): void {
  let problem: string | undefined;
  if (name === '') problem = 'is empty';
  else if (Buffer.byteLength(name) > 15) problem = 'is longer than 15 bytes';
  else if (name === '.' || name === '..') problem = 'is "." or ".."';
  else if (/[/:\s]/.test(name)) problem = 'contains "/", ":" or whitespace';
  if (problem) {
    throw new CniError(CNI_ERROR.invalidEnvironment, `interface name "${name}" ${problem}`);
  }
}
