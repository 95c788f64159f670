import { VERSION } from '../src/version.ts';
import type { CommandOutput, PluginContext } from './context.ts';
import { GrpcUnixChannel } from './ipamd/grpc-unary.ts';
import type { UnaryChannel } from './ipamd/unary-channel.ts';
import { PluginLog } from './log.ts';
import { type IpRunner, systemIpRunner } from './network/ip-runner.ts';
import { parseCniArgs } from './protocol/cni-args.ts';
import { type CniCommand, readCniEnvironment } from './protocol/cni-env.ts';
import { asCniError, encodeCniError } from './protocol/cni-error.ts';
import { type NetConf, parseNetConf } from './protocol/netconf.ts';
import {
  LATEST_VERSION,
  requireSupported,
  SUPPORTED_VERSIONS,
  versionInfo,
} from './protocol/versions.ts';

/**
 * One invocation of the plugin, as the CNI specification runs it: the command and its arguments
 * in CNI_* variables, the network configuration on stdin, the result (or an error JSON with a
 * non-zero exit) on stdout, logs only in the plugin's log file.
 */

export interface PluginIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface PluginDeps {
  readonly ip?: IpRunner;
  readonly hostPid?: number;
  /** Default: gRPC over the socket at this path. */
  readonly channel?: (socketPath: string) => UnaryChannel;
}

type Command = (ctx: PluginContext) => Promise<CommandOutput>;

/** Each command's module is evaluated only when that command runs (VERSION evaluates none). */
const COMMANDS: Record<Exclude<CniCommand, 'VERSION'>, () => Promise<Command>> = {
  ADD: async () => (await import('./commands/add.ts')).add,
  DEL: async () => (await import('./commands/del.ts')).del,
  CHECK: async () => (await import('./commands/check.ts')).check,
  STATUS: async () => (await import('./commands/status.ts')).status,
  GC: async () => (await import('./commands/gc.ts')).gc,
};

/** Runs one invocation; resolves with the exit code. Never throws. */
export async function runPlugin(io: PluginIo, deps: PluginDeps = {}): Promise<number> {
  const log = new PluginLog();
  let cniVersion = LATEST_VERSION;
  try {
    const env = readCniEnvironment(io.env);
    if (!env) {
      io.stderr(
        `AWS CNI ${VERSION} (vpc-ipamd)\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}\n`,
      );
      return 0;
    }
    if (env.command === 'VERSION') {
      io.stdout(versionInfo(requestedVersion(io.stdin)));
      return 0;
    }
    const conf = parseNetConf(io.stdin, ['ADD', 'DEL', 'CHECK'].includes(env.command));
    cniVersion = conf.cniVersion;
    log.configure(conf.pluginLogFile, conf.pluginLogLevel);
    requireSupported(conf.cniVersion);
    const ctx = contextOf(env, conf, log, deps);
    log.debug('invoked', {
      command: env.command,
      containerID: env.containerId,
      netns: env.netns,
      ifName: env.ifName,
      args: env.args,
    });
    try {
      const command = await COMMANDS[env.command]();
      const output = await command(ctx);
      if (output !== undefined) io.stdout(output);
      return 0;
    } finally {
      ctx.ipamd.close();
      ctx.npAgent.close();
    }
  } catch (error) {
    const cniError = asCniError(error);
    log.error(cniError.message, { code: cniError.code, details: cniError.details });
    io.stdout(encodeCniError(cniError, cniVersion));
    return 1;
  } finally {
    log.flush();
  }
}

function contextOf(
  env: NonNullable<ReturnType<typeof readCniEnvironment>>,
  conf: NetConf,
  log: PluginLog,
  deps: PluginDeps,
): PluginContext {
  const channel = deps.channel ?? ((socketPath: string) => new GrpcUnixChannel(socketPath));
  return {
    env,
    conf,
    pod: parseCniArgs(env.args),
    log,
    ip: deps.ip ?? systemIpRunner,
    ipamd: channel(conf.ipamdSocket),
    npAgent: channel(conf.npAgentSocket),
    hostPid: deps.hostPid ?? process.pid,
    clientVersion: VERSION,
  };
}

/** VERSION's stdin names the version the runtime speaks; nothing readable means the latest. */
function requestedVersion(stdin: string): string {
  try {
    const version = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof version === 'string' && version !== '' ? version : LATEST_VERSION;
  } catch {
    return LATEST_VERSION;
  }
}
