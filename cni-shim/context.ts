import type { UnaryChannel } from './ipamd/unary-channel.ts';
import type { PluginLog } from './log.ts';
import type { IpRunner } from './network/ip-runner.ts';
import type { PodArgs } from './protocol/cni-args.ts';
import type { CniEnvironment } from './protocol/cni-env.ts';
import type { NetConf } from './protocol/netconf.ts';

/** Everything one invocation's command works with; tests hand in their own runner and sockets. */
export interface PluginContext {
  readonly env: CniEnvironment;
  readonly conf: NetConf;
  readonly pod: PodArgs;
  readonly log: PluginLog;
  readonly ip: IpRunner;
  /** ipamd's socket (`ipamdSocket`, default /var/run/aws-node/ipamd.sock). */
  readonly ipamd: UnaryChannel;
  /** The network-policy agent's socket (`npAgentSocket`, default /var/run/aws-node/npa.sock). */
  readonly npAgent: UnaryChannel;
  /** This process's PID: `netns <pid>` names the host's namespace to ip(8) inside the pod's. */
  readonly hostPid: number;
  /** What the plugin sends as ClientVersion. */
  readonly clientVersion: string;
}

/** What a command prints on stdout on success (nothing for DEL, CHECK, STATUS and GC). */
export type CommandOutput = string | undefined;
