import { encodeGoString } from './go-json.ts';
import { JsonNumber, JsonObject, type JsonValue, parseJsonLossless } from './json-lossless.ts';

/**
 * The `vpc-cni-ipam/1` checkpoint file (the reference's datastore checkpoint), byte-compatible
 * with the reference: one compact JSON object as Go's encoding/json writes it, then a newline.
 *
 *   {"version":"vpc-cni-ipam/1","allocations":[{"networkName":…,"containerID":…,"ifName":…,
 *    "ipv4":"10.0.1.5","allocationTimestamp":<unix ns>,"metadata":{"k8sPodNamespace":…,
 *    "k8sPodName":…,"interfacesCount":1}}]}
 *
 * ipv4/ipv6 and interfacesCount are omitted when empty/zero (an IPv6 node's entries carry `ipv6`
 * instead of `ipv4`). One extension: a top-level `"cooldown":[{"ipv4":…,"unassignedTimestamp":
 * <unix ns>}]` (`ipv6` instead of `ipv4` on an IPv6 node), written after `allocations` and only
 * when an address is cooling, so the cooldown survives a restart. Without cooling addresses the
 * file is the reference's byte for byte, and the reference (Go ignores unknown fields) reads ours.
 */

export const CHECKPOINT_VERSION = 'vpc-cni-ipam/1';

export interface CheckpointMetadata {
  readonly k8sPodNamespace: string;
  readonly k8sPodName: string;
  /** 0 = not recorded (omitted from the file). */
  readonly interfacesCount: number;
}

export interface CheckpointEntry {
  readonly networkName: string;
  readonly containerID: string;
  readonly ifName: string;
  /** '' when absent. */
  readonly ipv4: string;
  readonly ipv6: string;
  /** Unix nanoseconds (int64). */
  readonly allocationTimestamp: bigint;
  readonly metadata: CheckpointMetadata;
}

export interface CooldownEntry {
  /** '' when absent. */
  readonly ipv4: string;
  /** Absent or '' on an IPv4 node. */
  readonly ipv6?: string;
  /** Unix nanoseconds when the address was unassigned. */
  readonly unassignedTimestamp: bigint;
}

export interface CheckpointData {
  readonly allocations: readonly CheckpointEntry[];
  readonly cooldown: readonly CooldownEntry[];
}

/** A decoded allocation together with the JSON it came from (kept verbatim for side files). */
export interface DecodedEntry {
  readonly entry: CheckpointEntry;
  readonly source: JsonValue;
}

export interface DecodedCheckpoint {
  readonly version: string;
  readonly allocations: readonly DecodedEntry[];
  readonly cooldown: readonly CooldownEntry[];
}

/** The file is not JSON or does not decode into the checkpoint structure. */
export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

export function encodeCheckpoint(data: CheckpointData): string {
  const parts: string[] = [`{"version":${encodeGoString(CHECKPOINT_VERSION)},"allocations":[`];
  data.allocations.forEach((entry, i) => {
    if (i > 0) parts.push(',');
    parts.push(encodeEntry(entry));
  });
  parts.push(']');
  if (data.cooldown.length > 0) {
    parts.push(',"cooldown":[');
    data.cooldown.forEach((entry, i) => {
      if (i > 0) parts.push(',');
      parts.push(encodeCooldown(entry));
    });
    parts.push(']');
  }
  parts.push('}\n');
  return parts.join('');
}

/**
 * The `ipv4`/`ipv6` fields of an entry for a datastore address (canonical text of either family:
 * IPv6 text always has a colon, IPv4 text never).
 */
export function addressFields(ip: string): { readonly ipv4: string; readonly ipv6: string } {
  return ip.includes(':') ? { ipv4: '', ipv6: ip } : { ipv4: ip, ipv6: '' };
}

export function encodeEntry(entry: CheckpointEntry): string {
  const m = entry.metadata;
  return (
    `{"networkName":${encodeGoString(entry.networkName)}` +
    `,"containerID":${encodeGoString(entry.containerID)}` +
    `,"ifName":${encodeGoString(entry.ifName)}` +
    (entry.ipv4 !== '' ? `,"ipv4":${encodeGoString(entry.ipv4)}` : '') +
    (entry.ipv6 !== '' ? `,"ipv6":${encodeGoString(entry.ipv6)}` : '') +
    `,"allocationTimestamp":${entry.allocationTimestamp}` +
    `,"metadata":{"k8sPodNamespace":${encodeGoString(m.k8sPodNamespace)}` +
    `,"k8sPodName":${encodeGoString(m.k8sPodName)}` +
    (m.interfacesCount !== 0 ? `,"interfacesCount":${m.interfacesCount}` : '') +
    '}}'
  );
}

/** `ipv4` as it always was (even when empty, unless `ipv6` is set), then `ipv6` when set. */
export function encodeCooldown(entry: CooldownEntry): string {
  const ipv6 = entry.ipv6 ?? '';
  return (
    '{' +
    (entry.ipv4 !== '' || ipv6 === '' ? `"ipv4":${encodeGoString(entry.ipv4)},` : '') +
    (ipv6 !== '' ? `"ipv6":${encodeGoString(ipv6)},` : '') +
    `"unassignedTimestamp":${entry.unassignedTimestamp}}`
  );
}

/**
 * Decodes a checkpoint the way Go's json.Unmarshal fills the reference's structs: members matched
 * to fields exactly or case-insensitively, the last one winning; unknown members ignored; null
 * leaves the zero value; any type mismatch is an error. The version is returned, not checked.
 */
export function decodeCheckpoint(text: string): DecodedCheckpoint {
  let root: JsonValue;
  try {
    root = parseJsonLossless(text);
  } catch (error) {
    throw new CheckpointFormatError(`invalid JSON: ${(error as Error).message}`);
  }
  let version = '';
  let allocations: DecodedEntry[] = [];
  let cooldown: CooldownEntry[] = [];
  if (root !== null) {
    forEachField(root, 'checkpoint', ['version', 'allocations', 'cooldown'], (field, value) => {
      if (field === 'version') version = stringField(value, 'version', version);
      else if (field === 'allocations') {
        allocations = arrayField(value, 'allocations').map((item, i) => ({
          entry: decodeEntry(item, `allocations[${i}]`),
          source: item,
        }));
      } else {
        cooldown = arrayField(value, 'cooldown').map((item, i) =>
          decodeCooldown(item, `cooldown[${i}]`),
        );
      }
    });
  }
  return { version, allocations, cooldown };
}

/** One allocation entry, by the same rules as decodeCheckpoint (the journal's records hold them too). */
export function decodeEntry(value: JsonValue, where: string): CheckpointEntry {
  let networkName = '';
  let containerID = '';
  let ifName = '';
  let ipv4 = '';
  let ipv6 = '';
  let allocationTimestamp = 0n;
  let metadata: CheckpointMetadata = { k8sPodNamespace: '', k8sPodName: '', interfacesCount: 0 };
  if (value !== null) {
    const fields = [
      'networkName',
      'containerID',
      'ifName',
      'ipv4',
      'ipv6',
      'allocationTimestamp',
      'metadata',
    ];
    forEachField(value, where, fields, (field, v) => {
      const at = `${where}.${field}`;
      switch (field) {
        case 'networkName':
          networkName = stringField(v, at, networkName);
          break;
        case 'containerID':
          containerID = stringField(v, at, containerID);
          break;
        case 'ifName':
          ifName = stringField(v, at, ifName);
          break;
        case 'ipv4':
          ipv4 = stringField(v, at, ipv4);
          break;
        case 'ipv6':
          ipv6 = stringField(v, at, ipv6);
          break;
        case 'allocationTimestamp':
          allocationTimestamp = intField(v, at, allocationTimestamp);
          break;
        default:
          metadata = decodeMetadata(v, at, metadata);
      }
    });
  }
  return { networkName, containerID, ifName, ipv4, ipv6, allocationTimestamp, metadata };
}

function decodeMetadata(
  value: JsonValue,
  where: string,
  previous: CheckpointMetadata,
): CheckpointMetadata {
  if (value === null) return previous;
  let { k8sPodNamespace, k8sPodName, interfacesCount } = previous;
  forEachField(value, where, ['k8sPodNamespace', 'k8sPodName', 'interfacesCount'], (field, v) => {
    const at = `${where}.${field}`;
    if (field === 'k8sPodNamespace') k8sPodNamespace = stringField(v, at, k8sPodNamespace);
    else if (field === 'k8sPodName') k8sPodName = stringField(v, at, k8sPodName);
    else {
      const n = intField(v, at, BigInt(interfacesCount));
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new CheckpointFormatError(`${at}: ${n} is out of range`);
      }
      interfacesCount = Number(n);
    }
  });
  return { k8sPodNamespace, k8sPodName, interfacesCount };
}

/** One cooldown entry, by the same rules as decodeCheckpoint. */
export function decodeCooldown(value: JsonValue, where: string): CooldownEntry {
  let ipv4 = '';
  let ipv6 = '';
  let unassignedTimestamp = 0n;
  if (value !== null) {
    forEachField(value, where, ['ipv4', 'ipv6', 'unassignedTimestamp'], (field, v) => {
      const at = `${where}.${field}`;
      if (field === 'ipv4') ipv4 = stringField(v, at, ipv4);
      else if (field === 'ipv6') ipv6 = stringField(v, at, ipv6);
      else unassignedTimestamp = intField(v, at, unassignedTimestamp);
    });
  }
  return { ipv4, ipv6, unassignedTimestamp };
}

/** Calls `apply` for each member that names one of `fields` (exactly, else ignoring case), in order. */
function forEachField(
  value: JsonValue,
  where: string,
  fields: readonly string[],
  apply: (field: string, value: JsonValue) => void,
): void {
  if (!(value instanceof JsonObject)) throw typeError(where, 'an object', value);
  for (const [key, member] of value.members) {
    const field =
      fields.find((f) => f === key) ?? fields.find((f) => f.toLowerCase() === key.toLowerCase());
    if (field !== undefined) apply(field, member);
  }
}

function stringField(value: JsonValue, where: string, previous: string): string {
  if (value === null) return previous;
  if (typeof value !== 'string') throw typeError(where, 'a string', value);
  return value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function intField(value: JsonValue, where: string, previous: bigint): bigint {
  if (value === null) return previous;
  if (!(value instanceof JsonNumber) || !/^-?\d+$/.test(value.raw)) {
    throw typeError(where, 'an integer', value);
  }
  const n = BigInt(value.raw);
  if (n < INT64_MIN || n > INT64_MAX) throw typeError(where, 'a 64-bit integer', value);
  return n;
}

function arrayField(value: JsonValue, where: string): JsonValue[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw typeError(where, 'an array', value);
  return value;
}

function typeError(where: string, wanted: string, got: JsonValue): CheckpointFormatError {
  const kind =
    got === null
      ? 'null'
      : Array.isArray(got)
        ? 'array'
        : got instanceof JsonObject
          ? 'object'
          : got instanceof JsonNumber
            ? `number ${got.raw}`
            : typeof got;
  return new CheckpointFormatError(`${where}: expected ${wanted}, found ${kind}`);
}
