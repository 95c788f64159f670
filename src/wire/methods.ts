import {
  type GarbageCollectReply,
  type GarbageCollectRequest,
  garbageCollectReplyCodec,
  garbageCollectRequestCodec,
} from './gc-messages.ts';
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  healthCheckRequestCodec,
  healthCheckResponseCodec,
} from './health-messages.ts';
import type { MessageCodec } from './message-codec.ts';
import {
  type DeleteNpRequest,
  deleteNpReplyCodec,
  deleteNpRequestCodec,
  type EnforceNpRequest,
  enforceNpReplyCodec,
  enforceNpRequestCodec,
  type NpReply,
} from './np-messages.ts';
import {
  type AddNetworkReply,
  type AddNetworkRequest,
  addNetworkReplyCodec,
  addNetworkRequestCodec,
  type DelNetworkReply,
  type DelNetworkRequest,
  delNetworkReplyCodec,
  delNetworkRequestCodec,
  type Empty,
  emptyCodec,
  type NetworkPolicyAgentConfigReply,
  networkPolicyAgentConfigReplyCodec,
} from './rpc-messages.ts';

/**
 * The methods on ipamd's socket: their HTTP/2 paths (`/<package>.<Service>/<Method>`, what a
 * gRPC client puts in `:path`) and the codecs of their messages. The grpc-js server and client
 * and the CNI plugin's lean client are all built from these.
 */
export interface WireMethod<Req, Res> {
  /** The service's full name, e.g. `rpc.CNIBackend`. */
  readonly service: string;
  readonly name: string;
  readonly path: string;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  /** Server streaming (health Watch); every other method is unary. */
  readonly responseStream: boolean;
}

function method<Req, Res>(
  service: string,
  name: string,
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
  responseStream = false,
): WireMethod<Req, Res> {
  return { service, name, path: `/${service}/${name}`, request, response, responseStream };
}

export const CNI_BACKEND = {
  AddNetwork: method<AddNetworkRequest, AddNetworkReply>(
    'rpc.CNIBackend',
    'AddNetwork',
    addNetworkRequestCodec,
    addNetworkReplyCodec,
  ),
  DelNetwork: method<DelNetworkRequest, DelNetworkReply>(
    'rpc.CNIBackend',
    'DelNetwork',
    delNetworkRequestCodec,
    delNetworkReplyCodec,
  ),
} as const;

export const CONFIG_SERVER_BACKEND = {
  GetNetworkPolicyConfigs: method<Empty, NetworkPolicyAgentConfigReply>(
    'rpc.ConfigServerBackend',
    'GetNetworkPolicyConfigs',
    emptyCodec,
    networkPolicyAgentConfigReplyCodec,
  ),
} as const;

export const HEALTH = {
  Check: method<HealthCheckRequest, HealthCheckResponse>(
    'grpc.health.v1.Health',
    'Check',
    healthCheckRequestCodec,
    healthCheckResponseCodec,
  ),
  Watch: method<HealthCheckRequest, HealthCheckResponse>(
    'grpc.health.v1.Health',
    'Watch',
    healthCheckRequestCodec,
    healthCheckResponseCodec,
    true,
  ),
} as const;

/** The network-policy agent's service, on its own socket (the plugin calls it; ipamd does not serve it). */
export const NP_BACKEND = {
  EnforceNpToPod: method<EnforceNpRequest, NpReply>(
    'rpc.NPBackend',
    'EnforceNpToPod',
    enforceNpRequestCodec,
    enforceNpReplyCodec,
  ),
  DeletePodNp: method<DeleteNpRequest, NpReply>(
    'rpc.NPBackend',
    'DeletePodNp',
    deleteNpRequestCodec,
    deleteNpReplyCodec,
  ),
} as const;

/** Ours (proto/vpcipamd.proto): the CNI 1.1 GC of the plugin. */
export const POD_ALLOCATIONS = {
  GarbageCollect: method<GarbageCollectRequest, GarbageCollectReply>(
    'vpcipamd.PodAllocations',
    'GarbageCollect',
    garbageCollectRequestCodec,
    garbageCollectReplyCodec,
  ),
} as const;
