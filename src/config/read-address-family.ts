import type { EnvReader } from './env-reader.ts';
import type { Config } from './types.ts';

/**
 * ENABLE_IPv6 and ENABLE_IPv4. IPv4 defaults to the opposite of IPv6 (the documented and shipped
 * behaviour, not the reference code's `false`; see docs/compat.md); explicit values always win,
 * so both-on and both-off still reach the validation the reference does.
 */
export function readAddressFamily(r: EnvReader): Pick<Config, 'enableIPv4' | 'enableIPv6'> {
  const enableIPv6 = r.boolA('ENABLE_IPv6', false);
  const enableIPv4 = r.boolA('ENABLE_IPv4', !enableIPv6);
  return { enableIPv4, enableIPv6 };
}
