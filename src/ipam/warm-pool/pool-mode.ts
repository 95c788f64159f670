import {
  type GrowthInput,
  type IncreaseStep,
  planOneStep,
  planWholeDemand,
} from './growth-plan.ts';

/**
 * How the pool manager runs (WARM_POOL_MODE), chosen once per daemon: `interval` reproduces the
 * reference's 5 s loop exactly; `reactive` (ours, the default) also wakes on every change and
 * serves waiting ADDs. Every difference between the two is a field here (docs/compat.md, "Pool
 * management").
 */
export interface PoolMode {
  readonly name: 'interval' | 'reactive';
  /** The growth steps of one pass. */
  planGrowth(input: GrowthInput): IncreaseStep[];
  /** Passes also run at once on an assignment, a release or an ADD that found no address. */
  readonly wakesOnChanges: boolean;
  /** Throttled or timed-out growth is retried soon (0.5 s doubling to 5 s) while ADDs wait. */
  readonly retriesTransientGrowth: boolean;
  /** A decrease may give back a /32 whose address is still in pod-IP cooldown (the reference). */
  readonly releasesCoolingAddresses: boolean;
  /** An ENI whose removal would make the pool too low at once is not freed (no attach/free cycle). */
  readonly keepsEnisThePoolNeeds: boolean;
  /** With nothing else coming, waiting ADDs are held for a cooldown ending within their wait. */
  readonly waitsForCooldowns: boolean;
}

export const INTERVAL_MODE: PoolMode = Object.freeze({
  name: 'interval',
  planGrowth: planOneStep,
  wakesOnChanges: false,
  retriesTransientGrowth: false,
  releasesCoolingAddresses: true,
  keepsEnisThePoolNeeds: false,
  waitsForCooldowns: false,
});

export const REACTIVE_MODE: PoolMode = Object.freeze({
  name: 'reactive',
  planGrowth: planWholeDemand,
  wakesOnChanges: true,
  retriesTransientGrowth: true,
  releasesCoolingAddresses: false,
  keepsEnisThePoolNeeds: true,
  waitsForCooldowns: true,
});

export function poolModeFor(name: 'interval' | 'reactive'): PoolMode {
  return name === 'interval' ? INTERVAL_MODE : REACTIVE_MODE;
}
