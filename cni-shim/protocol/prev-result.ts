import { CNI_ERROR, CniError } from './cni-error.ts';

/** The parts of a previous result (the runtime's cached ADD result) the plugin reads. */
export interface PrevResult {
  readonly interfaces: readonly ResultInterface[];
  readonly ips: readonly ResultIp[];
}

export interface ResultInterface {
  readonly name: string;
  readonly mac?: string;
  readonly sandbox?: string;
}

export interface ResultIp {
  /** CIDR form, e.g. '10.0.0.5/32'. */
  readonly address: string;
  readonly gateway?: string;
  /** Index into `interfaces`. */
  readonly interface?: number;
}

function bad(message: string): CniError {
  // The reference fails ADD and DEL alike when prevResult does not parse.
  return new CniError(CNI_ERROR.decodingFailure, `prevResult: ${message}`);
}

/** Parses a result of spec 0.3.0 or later (the only ones with `interfaces` and `ips`). */
export function parsePrevResult(value: unknown): PrevResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('not a JSON object');
  }
  const result = value as Record<string, unknown>;
  const interfaces = listOf(result.interfaces, 'interfaces').map((entry, i) => {
    const item = objectAt(entry, `interfaces[${i}]`);
    if (typeof item.name !== 'string') throw bad(`interfaces[${i}].name is not a string`);
    return {
      name: item.name,
      ...(typeof item.mac === 'string' ? { mac: item.mac } : {}),
      ...(typeof item.sandbox === 'string' ? { sandbox: item.sandbox } : {}),
    };
  });
  const ips = listOf(result.ips, 'ips').map((entry, i) => {
    const item = objectAt(entry, `ips[${i}]`);
    if (typeof item.address !== 'string' || !item.address.includes('/')) {
      throw bad(`ips[${i}].address is not an address in CIDR form`);
    }
    const index = item.interface;
    if (
      index !== undefined &&
      index !== null &&
      !(Number.isInteger(index) && (index as number) >= 0)
    ) {
      throw bad(`ips[${i}].interface is not an index`);
    }
    return {
      address: item.address,
      ...(typeof item.gateway === 'string' ? { gateway: item.gateway } : {}),
      ...(typeof index === 'number' ? { interface: index } : {}),
    };
  });
  return { interfaces, ips };
}

function listOf(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw bad(`${what} is not a list`);
  return value;
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw bad(`${where} is not an object`);
  return value as Record<string, unknown>;
}
