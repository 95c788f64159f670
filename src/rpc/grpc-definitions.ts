import * as grpc from '@grpc/grpc-js';
import type { WireMethod } from '../wire/methods.ts';
import { WireError } from '../wire/wire-error.ts';

/**
 * grpc-js method and service definitions built from the wire module's codecs (no .proto is read
 * at run time). grpc-js answers a request its deserializer throws on with a bare "Error
 * deserializing request"; ours hands the handler the reason instead, so the plugin gets it.
 */

/** A request as the server's deserializer hands it to a handler. */
export type Received<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly error: string };

/** A view of the same bytes: grpc-js wants Buffers, the codec makes Uint8Arrays. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function receive<T>(method: WireMethod<T, unknown>, bytes: Buffer): Received<T> {
  try {
    return { ok: true, message: method.request.decode(bytes) };
  } catch (error) {
    if (error instanceof WireError) return { ok: false, error: error.message };
    throw error;
  }
}

/** The status a request that could not be decoded gets (grpc-go's code for it, INTERNAL). */
export function malformedRequest(error: string): grpc.StatusObject {
  return {
    code: grpc.status.INTERNAL,
    details: `cannot decode the request: ${error}`,
    metadata: new grpc.Metadata(),
  };
}

export function serverMethodDefinition<Req, Res>(
  method: WireMethod<Req, Res>,
): grpc.MethodDefinition<Received<Req>, Res> {
  return {
    path: method.path,
    originalName: method.name,
    requestStream: false,
    responseStream: method.responseStream,
    requestSerialize: () => {
      throw new Error(`${method.path}: server definitions do not send requests`);
    },
    requestDeserialize: (bytes) => receive(method, bytes),
    responseSerialize: (reply) => asBuffer(method.response.encode(reply)),
    responseDeserialize: (bytes) => method.response.decode(bytes),
  };
}

/**
 * `methods` is one service's table (the wire module's CNI_BACKEND, HEALTH, …); its methods have
 * unrelated message types, which each definition keeps.
 */
export function serverServiceDefinition(
  // biome-ignore lint/suspicious/noExplicitAny: a table of methods with unrelated message types.
  methods: Readonly<Record<string, WireMethod<any, any>>>,
): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(methods)) {
    definition[name] = serverMethodDefinition(method) as grpc.MethodDefinition<unknown, unknown>;
  }
  return definition;
}
