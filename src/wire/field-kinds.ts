import type { Field, MessageCodec } from './message-codec.ts';
import type { ProtoReader } from './proto3-reader.ts';
import { type ProtoWriter, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './proto3-writer.ts';
import { WireError } from './wire-error.ts';

/** The proto3 field kinds the messages of proto/rpc.proto and grpc.health.v1 use. */

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
