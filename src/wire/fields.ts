import { ProtoReader } from './proto3-reader.ts';
import { ProtoWriter, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './proto3-writer.ts';
import { WireError } from './wire-error.ts';

/**
 * The proto3 field kinds our messages use and a codec built from a table of them. A message's
 * table names every field with its number (`{ ContainerID: field.string(7), … }`), so the
 * TypeScript type, the field numbers of proto/rpc.proto and the encoding sit side by side.
 *
 * proto3 rules kept: a field holding its default ('', false, 0, the first enum value) is left
 * out on encode and filled in on decode; repeated elements are always written; unknown fields are
 * skipped. A known field number arriving with another wire type is skipped as unknown, as
 * protobuf-go (the reference's decoder) does.
 */
export interface Field<V> {
  readonly number: number;
  readonly wireType: number;
  /** The proto3 default, a fresh value each call (repeated fields get a new array). */
  empty(): V;
  write(writer: ProtoWriter, value: V): void;
  /** One occurrence on the wire; `current` holds what earlier occurrences left. */
  read(reader: ProtoReader, current: V): V;
}

/** A message to encode: any field may be left out, in nested messages too. */
export type MessageInit<T> = {
  [K in keyof T]?: T[K] extends readonly (infer E)[]
    ? E extends object
      ? MessageInit<E>[]
      : T[K]
    : T[K];
};

export interface MessageCodec<T> {
  /** The protobuf full name, e.g. `rpc.AddNetworkRequest`. */
  readonly typeName: string;
  /** Missing fields encode as their defaults (i.e. not at all). */
  encode(message: T | MessageInit<T>): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** Decodes `bytes[start, end)`; errors give offsets within `bytes`. */
  decodeRange(bytes: Uint8Array, start: number, end: number): T;
  /** Every field at its default: what decoding zero bytes gives. */
  defaults(): T;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}

function readString(reader: ProtoReader): string {
  const { start, end } = reader.lengthDelimited();
  try {
    return utf8.decode(reader.bytes.subarray(start, end));
  } catch {
    throw new WireError(`string at byte ${start} is not valid UTF-8`);
  }
}

function checkList(values: unknown): asserts values is unknown[] {
  if (!Array.isArray(values)) throw new WireError(`expected a list, got ${describe(values)}`);
}

function checkString(value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new WireError(`expected a string, got ${describe(value)}`);
}

function string(number: number): Field<string> {
  return {
    number,
    wireType: WIRE_LENGTH_DELIMITED,
    empty: () => '',
    write(writer, value) {
      checkString(value);
      if (value === '') return;
      writer.tag(number, WIRE_LENGTH_DELIMITED);
      writer.string(value);
    },
    read: (reader) => readString(reader),
  };
}

function bool(number: number): Field<boolean> {
  return {
    number,
    wireType: WIRE_VARINT,
    empty: () => false,
    write(writer, value) {
      if (typeof value !== 'boolean')
        throw new WireError(`expected a boolean, got ${describe(value)}`);
      if (!value) return;
      writer.tag(number, WIRE_VARINT);
      writer.uint32(1);
    },
    read(reader) {
      return reader.varint() !== 0 || reader.high !== 0;
    },
  };
}

function int32(number: number): Field<number> {
  return {
    number,
    wireType: WIRE_VARINT,
    empty: () => 0,
    write(writer, value) {
      if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        throw new WireError(`${describe(value)} is not an int32`);
      }
      if (value === 0) return;
      writer.tag(number, WIRE_VARINT);
      writer.int32(value);
    },
    // An int32 is the low 32 bits of the varint, as protobuf-go reads it.
    read: (reader) => reader.varint() | 0,
  };
}

/**
 * An enum carried as its value names; `names[i]` is the name of value `i`. proto3 enums are
 * open: a number we have no name for decodes as the zero value's name (the reader cannot act on
 * a status it does not know anyway).
 */
function enumeration<S extends string>(number: number, names: readonly S[]): Field<S> {
  const zero = names[0];
  if (zero === undefined) throw new Error('an enum needs its zero value');
  return {
    number,
    wireType: WIRE_VARINT,
    empty: () => zero,
    write(writer, value) {
      const index = names.indexOf(value);
      if (index < 0) throw new WireError(`${describe(value)} is not one of ${names.join(', ')}`);
      if (index === 0) return;
      writer.tag(number, WIRE_VARINT);
      writer.int32(index);
    },
    read: (reader) => names[reader.varint() | 0] ?? zero,
  };
}

/** A repeated length-delimited field: each element is its own tag and value (never packed). */
function repeated<E>(
  number: number,
  writeOne: (writer: ProtoWriter, value: E) => void,
  readOne: (reader: ProtoReader) => E,
): Field<E[]> {
  return {
    number,
    wireType: WIRE_LENGTH_DELIMITED,
    empty: () => [],
    write(writer, values) {
      checkList(values);
      for (const value of values) {
        writer.tag(number, WIRE_LENGTH_DELIMITED);
        writeOne(writer, value);
      }
    },
    read(reader, current) {
      current.push(readOne(reader));
      return current;
    },
  };
}

function repeatedString(number: number): Field<string[]> {
  return repeated(
    number,
    (writer, value) => {
      checkString(value);
      writer.string(value);
    },
    readString,
  );
}

function repeatedMessage<T>(number: number, codec: MessageCodec<T>): Field<T[]> {
  return repeated(
    number,
    (writer, value) => writer.bytes(codec.encode(value)),
    (reader) => {
      const { start, end } = reader.lengthDelimited();
      return codec.decodeRange(reader.bytes, start, end);
    },
  );
}

export const field = { string, bool, int32, enumeration, repeatedString, repeatedMessage };

type FieldTable<T> = { readonly [K in keyof T]-?: Field<T[K]> };

interface Entry {
  readonly key: string;
  readonly field: Field<unknown>;
}

export function messageCodec<T extends object>(
  typeName: string,
  table: FieldTable<T>,
): MessageCodec<T> {
  // The table is typed per key; inside, one loop serves every field.
  const entries: Entry[] = Object.entries(table as Record<string, Field<unknown>>)
    .map(([key, f]) => ({ key, field: f }))
    .sort((a, b) => a.field.number - b.field.number);
  const byNumber: (Entry | undefined)[] = [];
  for (const entry of entries) byNumber[entry.field.number] = entry;

  const defaults = (): T => {
    const message: Record<string, unknown> = {};
    for (const { key, field: f } of entries) message[key] = f.empty();
    return message as T;
  };

  const fail = (key: string | undefined, error: unknown): never => {
    const where = key === undefined ? typeName : `${typeName}.${key}`;
    if (error instanceof WireError) throw new WireError(`${where}: ${error.message}`);
    throw error;
  };

  const codec: MessageCodec<T> = {
    typeName,
    defaults,
    encode(message) {
      const writer = new ProtoWriter();
      const values = message as Record<string, unknown>;
      for (const { key, field: f } of entries) {
        const value = values[key];
        if (value === undefined) continue;
        try {
          f.write(writer, value);
        } catch (error) {
          fail(key, error);
        }
      }
      return writer.finish();
    },
    decode: (bytes) => codec.decodeRange(bytes, 0, bytes.length),
    decodeRange(bytes, start, end) {
      const reader = new ProtoReader(bytes, start, end);
      const message = defaults() as Record<string, unknown>;
      let key: string | undefined;
      try {
        while (!reader.done) {
          key = undefined;
          const { fieldNumber, wireType } = reader.tag();
          const entry = byNumber[fieldNumber];
          if (entry === undefined || entry.field.wireType !== wireType) {
            reader.skip(wireType, fieldNumber);
            continue;
          }
          key = entry.key;
          message[key] = entry.field.read(reader, message[key]);
        }
      } catch (error) {
        fail(key, error);
      }
      return message as T;
    },
  };
  return codec;
}
