/** The daemon's variables that change how a pool grows or shrinks; `plan` and `demo` pass them on. */
export const POOL_VARIABLES: readonly string[] = [
  'WARM_ENI_TARGET',
  'WARM_IP_TARGET',
  'MINIMUM_IP_TARGET',
  'WARM_PREFIX_TARGET',
  'ENABLE_PREFIX_DELEGATION',
  'MAX_ENI',
  'WARM_POOL_MODE',
  'ADD_WAIT_SECONDS',
  'IP_COOLDOWN_PERIOD',
];
