import type { EnvReader } from './env-reader.ts';
import { parseGoAtoi } from './parse-number.ts';
import { quote } from './quote.ts';
import type { Config } from './types.ts';

const DEFAULT_MTU = 9001;
/** IPv4's minimum reassembly size; IPv6 requires links of at least 1280. */
const MIN_MTU_V4 = 576;
const MIN_MTU_V6 = 1280;
/** The largest MTU any EC2 network supports (jumbo frames). */
const MAX_MTU = 9001;

/**
 * AWS_VPC_ENI_MTU and POD_MTU, validated as the reference's entrypoint does before anything
 * starts: an int in range, or start-up stops.
 */
export function readMtu(r: EnvReader, enableIPv6: boolean): Pick<Config, 'eniMtu' | 'podMtu'> {
  const min = enableIPv6 ? MIN_MTU_V6 : MIN_MTU_V4;
  const eni = readOne(r, 'AWS_VPC_ENI_MTU', min);
  const eniMtu = eni ?? DEFAULT_MTU;
  // An unset POD_MTU inherits the ENI MTU; when that is already reported, reporting it twice
  // would only send the reader to a second variable they never set.
  const podMtu =
    r.nonEmpty('POD_MTU') === undefined ? eniMtu : (readOne(r, 'POD_MTU', min) ?? eniMtu);
  return { eniMtu, podMtu };
}

function readOne(r: EnvReader, name: string, min: number): number | undefined {
  const value = r.nonEmpty(name);
  if (value === undefined) return DEFAULT_MTU;
  const parsed = parseGoAtoi(value);
  if (parsed !== undefined && parsed >= min && parsed <= MAX_MTU) return parsed;
  const family = min === MIN_MTU_V6 ? ' (IPv6 needs at least 1280)' : '';
  r.fatal(
    `${name}=${quote(value)} must be an integer in ${min}..${MAX_MTU}${family}; e.g. ${DEFAULT_MTU}`,
  );
  return undefined;
}
