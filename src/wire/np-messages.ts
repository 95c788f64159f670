import { field } from './field-kinds.ts';
import { type MessageCodec, messageCodec } from './message-codec.ts';

/**
 * rpc.NPBackend's messages (the reference's rpc.proto): what the CNI plugin asks the
 * network-policy agent on its own socket (`/var/run/aws-node/npa.sock`) after an ADD and a DEL
 * when ipamd reports a network-policy mode. ipamd itself does not serve this service.
 */

export interface EnforceNpRequest {
  K8S_POD_NAME: string;
  K8S_POD_NAMESPACE: string;
  NETWORK_POLICY_MODE: string;
  InterfaceCount: number;
}

export interface NpReply {
  Success: boolean;
}

export interface DeleteNpRequest {
  K8S_POD_NAME: string;
  K8S_POD_NAMESPACE: string;
}

export const enforceNpRequestCodec: MessageCodec<EnforceNpRequest> = messageCodec(
  'rpc.EnforceNpRequest',
  {
    K8S_POD_NAME: field.string(1),
    K8S_POD_NAMESPACE: field.string(2),
    NETWORK_POLICY_MODE: field.string(3),
    InterfaceCount: field.int32(4),
  },
);

export const enforceNpReplyCodec: MessageCodec<NpReply> = messageCodec('rpc.EnforceNpReply', {
  Success: field.bool(1),
});

export const deleteNpRequestCodec: MessageCodec<DeleteNpRequest> = messageCodec(
  'rpc.DeleteNpRequest',
  {
    K8S_POD_NAME: field.string(1),
    K8S_POD_NAMESPACE: field.string(2),
  },
);

export const deleteNpReplyCodec: MessageCodec<NpReply> = messageCodec('rpc.DeleteNpReply', {
  Success: field.bool(1),
});
