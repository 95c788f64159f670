import { ProtoReader } from './proto3-reader.ts';
import { ProtoWriter } from './proto3-writer.ts';
import { WireError } from './wire-error.ts';

/**
 * A message codec built from a table of fields (field-kinds.ts): `{ ContainerID: field.string(7),
 * … }`, so the TypeScript type, the field numbers of proto/rpc.proto and the encoding sit side by
 * side.
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
