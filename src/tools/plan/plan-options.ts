import type { Environment } from '../../config/types.ts';
import { knownInstanceTypes, lookupInstanceType } from '../../ipam/instance-limits.ts';
import { type ParsedArgs, parseFlags } from '../flags.ts';
import { POOL_VARIABLES } from '../pool-variables.ts';

/**
 * `vpc-ipamd plan`'s command line and environment → what to plan. The daemon's own variables are
 * read from the environment, and flags override them; anything else in the environment (AWS
 * endpoints, log files, host networking) is ignored, since the plan runs against its own
 * simulated region.
 */

/** The daemon's variables `plan` reads from the environment; each changes how the pool grows or shrinks. */
export const PLAN_ENV_VARIABLES: readonly string[] = [...POOL_VARIABLES, 'ENABLE_SUBNET_DISCOVERY'];

export interface PlanOptions {
  readonly instanceType: string;
  readonly pods: number;
  /** The daemon's environment: PLAN_ENV_VARIABLES from the caller's, flags applied. */
  readonly env: Environment;
  readonly maxPods: number | undefined;
  readonly json: boolean;
  readonly verbose: boolean;
}

export type PlanArgs = ParsedArgs<PlanOptions>;

const SPEC = {
  'instance-type': 'string',
  pods: 'string',
  'warm-eni-target': 'string',
  'warm-ip-target': 'string',
  'minimum-ip-target': 'string',
  'warm-prefix-target': 'string',
  'prefix-delegation': 'boolean',
  'no-prefix-delegation': 'boolean',
  'max-eni': 'string',
  'max-pods': 'string',
  mode: 'string',
  json: 'boolean',
  verbose: 'boolean',
  help: 'boolean',
} as const;

/** Flags that set one of the daemon's variables, with the smallest value each accepts. */
const TARGET_FLAGS: readonly { flag: keyof typeof SPEC; variable: string; min: number }[] = [
  { flag: 'warm-eni-target', variable: 'WARM_ENI_TARGET', min: 0 },
  { flag: 'warm-ip-target', variable: 'WARM_IP_TARGET', min: 0 },
  { flag: 'minimum-ip-target', variable: 'MINIMUM_IP_TARGET', min: 0 },
  { flag: 'warm-prefix-target', variable: 'WARM_PREFIX_TARGET', min: 0 },
  { flag: 'max-eni', variable: 'MAX_ENI', min: 1 },
];

/** Pods are added one by one, so this bounds the run time (the largest node holds 11,762). */
export const MAX_PLAN_PODS = 20_000;

class ArgError extends Error {}

function wholeNumber(flag: string, value: string, min: number, max = 1_000_000): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ArgError(`--${flag} must be a whole number from ${min} to ${max}, got '${value}'`);
  }
  return Number(value);
}

/** Known types of the same family, to point at a typo. */
function suggestions(instanceType: string): string {
  const family = instanceType.split('.')[0] ?? '';
  const same = knownInstanceTypes().filter((t) => t.startsWith(`${family}.`));
  return same.length > 0 ? ` (known ${family} types: ${same.slice(0, 12).join(', ')})` : '';
}

export function parsePlanArgs(args: readonly string[], callerEnv: Environment): PlanArgs {
  const parsed = parseFlags(args, SPEC);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const { flags, positional } = parsed;
  if (flags.help) return { ok: true, help: true };
  try {
    if (positional.length > 0) throw new ArgError(`unexpected argument '${positional[0]}'`);
    const instanceType = flags['instance-type'];
    if (instanceType === undefined || instanceType === '')
      throw new ArgError('--instance-type is required (e.g. --instance-type m5.large)');
    if (!lookupInstanceType(instanceType)) {
      throw new ArgError(`unknown instance type '${instanceType}'${suggestions(instanceType)}`);
    }
    if (flags['prefix-delegation'] && flags['no-prefix-delegation'])
      throw new ArgError('--prefix-delegation and --no-prefix-delegation contradict each other');

    const env: Record<string, string> = {};
    for (const name of PLAN_ENV_VARIABLES) {
      const value = callerEnv[name];
      if (value !== undefined) env[name] = value;
    }
    for (const { flag, variable, min } of TARGET_FLAGS) {
      const value = flags[flag];
      if (typeof value === 'string') env[variable] = String(wholeNumber(flag, value, min));
    }
    if (flags['prefix-delegation']) env.ENABLE_PREFIX_DELEGATION = 'true';
    if (flags['no-prefix-delegation']) env.ENABLE_PREFIX_DELEGATION = 'false';
    if (flags.mode !== undefined) {
      if (flags.mode !== 'reactive' && flags.mode !== 'interval')
        throw new ArgError(`--mode must be reactive or interval, got '${flags.mode}'`);
      env.WARM_POOL_MODE = flags.mode;
    }
    return {
      ok: true,
      options: {
        instanceType,
        pods: flags.pods === undefined ? 0 : wholeNumber('pods', flags.pods, 0, MAX_PLAN_PODS),
        env,
        maxPods:
          flags['max-pods'] === undefined
            ? undefined
            : wholeNumber('max-pods', flags['max-pods'], 1),
        json: flags.json === true,
        verbose: flags.verbose === true,
      },
    };
  } catch (error) {
    if (error instanceof ArgError) return { ok: false, error: error.message };
    throw error;
  }
}
