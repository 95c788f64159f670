import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Loads proto/rpc.proto and proto/health.proto. Field names are kept as written (keepCase), and
 * defaults are filled in, so handlers see the same names on both sides of the wire.
 */

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  includeDirs: [PROTO_DIR],
};

export interface LoadedProtos {
  readonly cniBackend: grpc.ServiceClientConstructor;
  readonly configServerBackend: grpc.ServiceClientConstructor;
  readonly health: grpc.ServiceClientConstructor;
}

let loaded: LoadedProtos | undefined;

export function loadProtos(): LoadedProtos {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(['rpc.proto', 'health.proto'], LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(definition);
  const rpc = root.rpc as grpc.GrpcObject;
  const health = ((root.grpc as grpc.GrpcObject).health as grpc.GrpcObject).v1 as grpc.GrpcObject;
  loaded = {
    cniBackend: rpc.CNIBackend as grpc.ServiceClientConstructor,
    configServerBackend: rpc.ConfigServerBackend as grpc.ServiceClientConstructor,
    health: health.Health as grpc.ServiceClientConstructor,
  };
  return loaded;
}
