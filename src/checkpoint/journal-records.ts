import { createHash } from 'node:crypto';
import type { AddressFamily } from '../ipam/address-family.ts';
import { IPV4 } from '../ipam/ipv4-family.ts';
import { IPV6 } from '../ipam/ipv6-family.ts';
import {
  addressFields,
  type CheckpointEntry,
  type CooldownEntry,
  decodeCooldown,
  decodeEntry,
  encodeCooldown,
  encodeEntry,
} from './format.ts';
import { encodeGoString } from './go-json.ts';
import { JsonNumber, JsonObject, type JsonValue, parseJsonLossless } from './json-lossless.ts';

/**
 * What the journal's records say (each is one frame's payload, journal-frame.ts):
 *
 * - a base: `{"journal":"vpc-ipamd-journal/1","snapshot":"<sha256>"}` opens every journal file:
 *   it continues the snapshot whose bytes hash to `snapshot`, with the records after it;
 *   `{"snapshot":"<sha256>","from":<byte offset>}` is appended by a compaction before it renames
 *   the new snapshot into place: that snapshot is continued by the records from `from` on.
 * - a commit: `{"changes":[…]}`, every change of one group commit, in order. Each change states
 *   an address's whole new checkpoint state, so replaying one twice, or one that the snapshot
 *   already holds, changes nothing:
 *   `{"assign":<entry as in the snapshot>}`, `{"cool":<cooldown entry as in the snapshot>}`,
 *   `{"free":"<ip>"}` (neither assigned nor cooling), `{"drop":"<cidr>"}` (every address of a CIDR
 *   that left the datastore).
 */

export const JOURNAL_VERSION = 'vpc-ipamd-journal/1';

export type JournalChange =
  | { readonly kind: 'assign'; readonly entry: CheckpointEntry; readonly source: JsonValue }
  | { readonly kind: 'cool'; readonly entry: CooldownEntry }
  | { readonly kind: 'free'; readonly ip: string }
  | { readonly kind: 'drop'; readonly cidr: string };

export type JournalRecord =
  | {
      readonly kind: 'base';
      readonly snapshot: string;
      /** Undefined for the record that opens the file: the records after it follow. */
      readonly from?: number;
      /** The journal format a file-opening base names. */
      readonly version?: string;
    }
  | { readonly kind: 'commit'; readonly changes: readonly JournalChange[] };

/** The hash by which a base names its snapshot: SHA-256 of the file's bytes. */
export function snapshotHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function encodeHeader(snapshot: string): string {
  return `{"journal":${encodeGoString(JOURNAL_VERSION)},"snapshot":${encodeGoString(snapshot)}}`;
}

export function encodeBase(snapshot: string, from: number): string {
  return `{"snapshot":${encodeGoString(snapshot)},"from":${from}}`;
}

/** One commit record from changes already encoded (the *Change functions below). */
export function encodeCommit(changes: readonly string[]): string {
  return `{"changes":[${changes.join(',')}]}`;
}

export function assignChange(entry: CheckpointEntry): string {
  return `{"assign":${encodeEntry(entry)}}`;
}

export function coolChange(ip: string, unassignedTimestamp: bigint): string {
  return `{"cool":${encodeCooldown({ ...addressFields(ip), unassignedTimestamp })}}`;
}

export function freeChange(ip: string): string {
  return `{"free":${encodeGoString(ip)}}`;
}

export function dropChange(cidr: string): string {
  return `{"drop":${encodeGoString(cidr)}}`;
}

/** A record's payload is not one we write. */
export class JournalRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalRecordError';
  }
}

export function decodeRecord(payload: string): JournalRecord {
  let value: JsonValue;
  try {
    value = parseJsonLossless(payload);
  } catch (error) {
    throw new JournalRecordError(`invalid JSON: ${(error as Error).message}`);
  }
  const fields = membersOf(value, 'record');
  const changes = fields.get('changes');
  if (changes !== undefined) {
    only(fields, ['changes'], 'commit record');
    if (!Array.isArray(changes)) throw new JournalRecordError('"changes" is not an array');
    return { kind: 'commit', changes: changes.map((c, i) => decodeChange(c, `changes[${i}]`)) };
  }
  const snapshot = fields.get('snapshot');
  if (typeof snapshot !== 'string' || !/^[0-9a-f]{64}$/.test(snapshot)) {
    throw new JournalRecordError('neither a commit nor a base naming a snapshot');
  }
  const version = fields.get('journal');
  if (version !== undefined) {
    only(fields, ['journal', 'snapshot'], 'base record');
    if (typeof version !== 'string') throw new JournalRecordError('"journal" is not a string');
    return { kind: 'base', snapshot, version };
  }
  only(fields, ['snapshot', 'from'], 'base record');
  const from = fields.get('from');
  if (!(from instanceof JsonNumber) || !/^(0|[1-9]\d{0,14})$/.test(from.raw)) {
    throw new JournalRecordError('"from" is not a byte offset');
  }
  return { kind: 'base', snapshot, from: Number(from.raw) };
}

function decodeChange(value: JsonValue, where: string): JournalChange {
  const fields = membersOf(value, where);
  const [name, ...more] = fields.keys();
  if (name === undefined || more.length > 0) {
    throw new JournalRecordError(`${where}: a change has exactly one member`);
  }
  const body = fields.get(name)!;
  try {
    switch (name) {
      case 'assign':
        return { kind: 'assign', entry: decodeEntry(body, `${where}.assign`), source: body };
      case 'cool':
        return { kind: 'cool', entry: decodeCooldown(body, `${where}.cool`) };
      case 'free':
        if (typeof body !== 'string' || familyOf(body).parseAddress(body) === undefined) {
          throw new JournalRecordError(`${where}.free: not an address`);
        }
        return { kind: 'free', ip: body };
      case 'drop':
        if (typeof body !== 'string' || familyOf(body).parseCidr(body) === undefined) {
          throw new JournalRecordError(`${where}.drop: not a CIDR`);
        }
        return { kind: 'drop', cidr: body };
      default:
        throw new JournalRecordError(`${where}: unknown change ${JSON.stringify(name)}`);
    }
  } catch (error) {
    if (error instanceof JournalRecordError) throw error;
    throw new JournalRecordError((error as Error).message);
  }
}

/** IPv6 text always has a colon, IPv4 text never. */
export function familyOf(text: string): AddressFamily {
  return text.includes(':') ? IPV6 : IPV4;
}

function membersOf(value: JsonValue, where: string): Map<string, JsonValue> {
  if (!(value instanceof JsonObject)) throw new JournalRecordError(`${where}: not an object`);
  const fields = new Map<string, JsonValue>();
  for (const [key, member] of value.members) {
    if (fields.has(key)) throw new JournalRecordError(`${where}: "${key}" appears twice`);
    fields.set(key, member);
  }
  return fields;
}

function only(fields: Map<string, JsonValue>, allowed: readonly string[], what: string): void {
  for (const key of fields.keys()) {
    if (!allowed.includes(key)) throw new JournalRecordError(`${what}: unknown member "${key}"`);
  }
}
