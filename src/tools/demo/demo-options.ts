import type { Environment } from '../../config/types.ts';
import { lookupInstanceType } from '../../ipam/instance-limits.ts';
import { type ParsedArgs, parseFlags } from '../flags.ts';
import { POOL_VARIABLES } from '../pool-variables.ts';

/** `vpc-ipamd demo`'s command line and the daemon settings it takes from the environment. */

/** Variables passed from the user's environment to the daemon; nothing else is inherited. */
export const DEMO_ENV_VARIABLES: readonly string[] = [
  ...POOL_VARIABLES,
  'EC2_API_RATE_LIMITS',
  'AWS_VPC_K8S_CNI_LOGLEVEL',
];

export interface DemoOptions {
  readonly instanceType: string;
  /** Pods at the top of each ramp. */
  readonly pods: number;
  /** Pods added per burst while ramping. */
  readonly burst: number;
  /** Stop by itself this many seconds after the workload started; undefined = until Ctrl-C. */
  readonly durationSeconds: number | undefined;
  /** Keep the temp dir (log, checkpoint) instead of removing it. */
  readonly keep: boolean;
  /** DEMO_ENV_VARIABLES from the caller's environment. */
  readonly daemonSettings: Environment;
}

export type DemoArgs = ParsedArgs<DemoOptions>;

/** Pods at the peak by default: three quarters of what the node's ENIs hold, at most 20. */
export function defaultPeak(instanceType: string): number {
  const info = lookupInstanceType(instanceType);
  if (!info) return 1;
  return Math.max(1, Math.min(20, Math.floor(0.75 * info.eniLimit * (info.ipv4Limit - 1))));
}

function whole(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new RangeError(`--${flag} must be a whole number from ${min} to ${max}, got '${value}'`);
  }
  return Number(value);
}

export function parseDemoArgs(args: readonly string[], callerEnv: Environment): DemoArgs {
  const parsed = parseFlags(args, {
    'instance-type': 'string',
    pods: 'string',
    burst: 'string',
    duration: 'string',
    keep: 'boolean',
    help: 'boolean',
  });
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const { flags, positional } = parsed;
  if (flags.help) return { ok: true, help: true };
  if (positional.length > 0) return { ok: false, error: `unexpected argument '${positional[0]}'` };
  const instanceType = flags['instance-type'] ?? 'm5.large';
  if (!lookupInstanceType(instanceType))
    return { ok: false, error: `unknown instance type '${instanceType}'` };
  try {
    const pods = whole('pods', flags.pods, 1, 2_000) ?? defaultPeak(instanceType);
    const burst = whole('burst', flags.burst, 1, 2_000) ?? Math.max(1, Math.ceil(pods / 4));
    const durationSeconds = whole('duration', flags.duration, 1, 7 * 24 * 3600);
    const daemonSettings: Record<string, string> = {};
    for (const name of DEMO_ENV_VARIABLES) {
      const value = callerEnv[name];
      if (value !== undefined) daemonSettings[name] = value;
    }
    return {
      ok: true,
      options: {
        instanceType,
        pods,
        burst,
        durationSeconds,
        keep: flags.keep === true,
        daemonSettings,
      },
    };
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, error: error.message };
    throw error;
  }
}
