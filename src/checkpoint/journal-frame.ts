import { crc32 } from 'node:zlib';

/**
 * How the journal keeps its records apart and checks each one: a record is one line
 *
 *   <payload bytes, decimal> <CRC-32 of the payload, 8 lowercase hex> <payload>\n
 *
 * where the payload is one compact JSON object (never a raw newline: JSON escapes it). A record
 * is whole only when its length, checksum and closing newline all agree, so a write cut short by
 * a crash (a prefix, zeros, or pages out of order) is always detected. Text, so an operator can
 * read the journal with `cut -d' ' -f3-`.
 */

const SPACE = 0x20;
const NEWLINE = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;
/** A payload is a JSON object: at least `{}`. */
const MIN_PAYLOAD = 2;
/** Longer length fields are not ours (a record is far below 10^10 bytes). */
const MAX_LENGTH_DIGITS = 10;
const CRC_DIGITS = 8;

export function encodeFrame(payload: string): string {
  return frameBytes(payload).toString('utf8');
}

/** encodeFrame's bytes, as the journal file gets them. */
export function frameBytes(payload: string): Buffer {
  const bytes = Buffer.from(payload, 'utf8');
  const crc = crc32(bytes).toString(16).padStart(CRC_DIGITS, '0');
  return Buffer.concat([Buffer.from(`${bytes.length} ${crc} `, 'latin1'), bytes, NEWLINE_BYTE]);
}

const NEWLINE_BYTE = Buffer.from('\n');

export interface Frame {
  /** Byte offset of the record's first byte in the file. */
  readonly offset: number;
  /** Byte offset just past its newline. */
  readonly end: number;
  readonly payload: string;
}

/** What a journal's bytes hold: the whole records from the start, then what follows them. */
export interface FrameScan {
  readonly frames: readonly Frame[];
  /** Where the whole records end: the file's length when nothing follows them. */
  readonly validEnd: number;
  /**
   * Offset of a whole record found after `validEnd`, when there is one: the bytes at `validEnd`
   * are then damage inside the journal, not the torn end of its last write.
   */
  readonly recordAfterDamage?: number;
}

export function scanFrames(bytes: Uint8Array): FrameScan {
  const frames: Frame[] = [];
  let at = 0;
  for (;;) {
    const frame = frameAt(bytes, at);
    if (!frame) break;
    frames.push(frame);
    at = frame.end;
  }
  if (at >= bytes.length) return { frames, validEnd: at };
  // Damage at `at`. A crash can only tear the last write (each commit's write is durable before
  // the next starts), so any whole record beyond it means the file was damaged some other way.
  for (let from = at + 1; from < bytes.length; from++) {
    if (frameAt(bytes, from)) return { frames, validEnd: at, recordAfterDamage: from };
  }
  return { frames, validEnd: at };
}

/** The whole record starting at `at`, or undefined. */
function frameAt(bytes: Uint8Array, at: number): Frame | undefined {
  let length = 0;
  let i = at;
  while (i < bytes.length && i - at < MAX_LENGTH_DIGITS) {
    const c = bytes[i]!;
    if (c < ZERO || c > NINE) break;
    length = length * 10 + (c - ZERO);
    i++;
  }
  if (i === at || bytes[i] !== SPACE || length < MIN_PAYLOAD) return undefined;
  const crcStart = i + 1;
  const payloadStart = crcStart + CRC_DIGITS + 1;
  const payloadEnd = payloadStart + length;
  if (payloadEnd >= bytes.length || bytes[payloadStart - 1] !== SPACE) return undefined;
  if (bytes[payloadEnd] !== NEWLINE) return undefined;
  const crcText = Buffer.from(bytes.buffer, bytes.byteOffset + crcStart, CRC_DIGITS).toString(
    'latin1',
  );
  if (!/^[0-9a-f]{8}$/.test(crcText)) return undefined;
  const payload = bytes.subarray(payloadStart, payloadEnd);
  if (crc32(payload) !== Number.parseInt(crcText, 16)) return undefined;
  return {
    offset: at,
    end: payloadEnd + 1,
    payload: Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8'),
  };
}
