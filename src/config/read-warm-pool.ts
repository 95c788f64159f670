import type { EnvReader } from './env-reader.ts';
import { parseDecimal, parseGoAtoi } from './parse-number.ts';
import { quote } from './quote.ts';
import type { Config, WarmPoolMode } from './types.ts';

type WarmPoolFields =
  | 'warmEniTarget'
  | 'warmIpTarget'
  | 'minimumIpTarget'
  | 'warmPrefixTarget'
  | 'enablePrefixDelegation'
  | 'maxEni'
  | 'ipCooldownSeconds'
  | 'warmPoolMode'
  | 'addWaitSeconds';

const DEFAULT_COOLDOWN_SECONDS = 30;
/**
 * ADD_WAIT_SECONDS defaults per pool mode: the reactive pool is worth waiting for; interval mode
 * exists to reproduce the reference, which fails an ADD on an empty pool at once.
 */
const DEFAULT_ADD_WAIT_SECONDS: Record<WarmPoolMode, number> = { reactive: 10, interval: 0 };
/** The reference's own spelling of "no MAX_ENI"; writing it explicitly deserves no warning. */
const MAX_ENI_UNSET = -1;

/** Warm targets, prefix delegation, MAX_ENI, the IP cool-down and our pool settings. */
export function readWarmPool(r: EnvReader): Pick<Config, WarmPoolFields> {
  return {
    warmEniTarget: r.intAtLeast('WARM_ENI_TARGET', 1, 0),
    warmIpTarget: r.intAtLeast('WARM_IP_TARGET', 0, 0),
    minimumIpTarget: r.intAtLeast('MINIMUM_IP_TARGET', 0, 0),
    warmPrefixTarget: r.intAtLeast('WARM_PREFIX_TARGET', 0, 0),
    enablePrefixDelegation: r.boolA('ENABLE_PREFIX_DELEGATION', false),
    maxEni: readMaxEni(r),
    ipCooldownSeconds: readCooldown(r),
    ...readPoolMode(r),
  };
}

function readPoolMode(r: EnvReader): Pick<Config, 'warmPoolMode' | 'addWaitSeconds'> {
  const warmPoolMode = readWarmPoolMode(r);
  return { warmPoolMode, addWaitSeconds: readAddWait(r, DEFAULT_ADD_WAIT_SECONDS[warmPoolMode]) };
}

function readMaxEni(r: EnvReader): number | undefined {
  const value = r.nonEmpty('MAX_ENI');
  if (value === undefined) return undefined;
  const parsed = parseGoAtoi(value);
  if (parsed !== undefined && parsed >= 1) return parsed;
  if (parsed !== MAX_ENI_UNSET) {
    const why = parsed === undefined ? 'is not an integer' : 'is below 1';
    r.warn('MAX_ENI', value, `MAX_ENI=${quote(value)} ${why}; no ENI cap is applied`);
  }
  return undefined;
}

/**
 * ipamd alone falls back to 30 s on a bad value, but the reference's entrypoint refuses to start
 * first; we are both, so a bad value is fatal.
 */
function readCooldown(r: EnvReader): number {
  const value = r.nonEmpty('IP_COOLDOWN_PERIOD');
  if (value === undefined) return DEFAULT_COOLDOWN_SECONDS;
  const parsed = parseGoAtoi(value);
  if (parsed !== undefined && parsed >= 0) return parsed;
  r.fatal(
    `IP_COOLDOWN_PERIOD=${quote(value)} is not a whole number of seconds ≥ 0; set it to e.g. 30 or remove it`,
  );
  return DEFAULT_COOLDOWN_SECONDS;
}

const WARM_POOL_MODES: readonly WarmPoolMode[] = ['reactive', 'interval'];

function readWarmPoolMode(r: EnvReader): WarmPoolMode {
  const value = r.nonEmpty('WARM_POOL_MODE');
  if (value === undefined) return 'reactive';
  const mode = WARM_POOL_MODES.find((m) => m === value.toLowerCase());
  if (mode) return mode;
  r.warn(
    'WARM_POOL_MODE',
    value,
    `WARM_POOL_MODE=${quote(value)} is not reactive or interval; using reactive`,
  );
  return 'reactive';
}

function readAddWait(r: EnvReader, fallback: number): number {
  const value = r.nonEmpty('ADD_WAIT_SECONDS');
  if (value === undefined) return fallback;
  const parsed = parseDecimal(value);
  if (parsed !== undefined && parsed >= 0) return parsed;
  const why = parsed === undefined ? 'is not a number of seconds' : 'is negative';
  r.warn('ADD_WAIT_SECONDS', value, `ADD_WAIT_SECONDS=${quote(value)} ${why}; using ${fallback}`);
  return fallback;
}
