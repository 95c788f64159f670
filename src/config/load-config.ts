import { checkCombinations } from './combinations.ts';
import { deepFreeze } from './deep-freeze.ts';
import { EnvReader } from './env-reader.ts';
import { readAddressFamily } from './read-address-family.ts';
import { readEniManagement } from './read-eni-management.ts';
import { readHostNetwork } from './read-host-network.ts';
import { readMtu } from './read-mtu.ts';
import { readPlugin } from './read-plugin.ts';
import { readRuntime } from './read-runtime.ts';
import { readWarmPool } from './read-warm-pool.ts';
import { type Config, ConfigError, type Environment, type LoadedConfig } from './types.ts';

/**
 * Builds the deep-frozen Config from an environment map, reading nothing else (not process.env).
 * Every fatal problem is collected before one ConfigError is thrown, so an operator fixes the
 * manifest once instead of once per restart.
 */
export function loadConfig(env: Environment): LoadedConfig {
  const r = new EnvReader(env);
  // A fixed section order (close to Config's field order) keeps problems and warnings stable.
  const family = readAddressFamily(r);
  const warmPool = readWarmPool(r);
  const eni = readEniManagement(r, family.enableIPv6);
  const config: Config = {
    ...family,
    ...warmPool,
    ...eni,
    ...readRuntime(r),
    ...readHostNetwork(r, eni.enablePodEni),
    ...readMtu(r, family.enableIPv6),
    ...readPlugin(r),
  };
  checkCombinations(r, config);
  if (r.problems.length > 0) throw new ConfigError([...r.problems]);
  return deepFreeze({ config, warnings: r.warnings });
}

/**
 * The Config of an empty environment with `overrides` applied, frozen: for other modules' tests.
 * Overrides are not validated, so a test can build states the loader would refuse. They are
 * copied first so the caller's own arrays and records are not frozen behind its back.
 */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const { config } = loadConfig({});
  return deepFreeze({ ...config, ...structuredClone(overrides) });
}
