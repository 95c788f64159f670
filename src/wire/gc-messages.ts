import { field } from './field-kinds.ts';
import { type MessageCodec, messageCodec } from './message-codec.ts';
import { type IPAllocationMetadata, ipAllocationMetadataCodec } from './rpc-messages.ts';

/**
 * vpcipamd.PodAllocations (proto/vpcipamd.proto): what the CNI plugin's GC (CNI 1.1) asks of
 * ipamd. A service of our own, beside the reference's CNIBackend, which stays as it is.
 */

export interface Attachment {
  ContainerID: string;
  IfName: string;
}

export interface GarbageCollectRequest {
  NetworkName: string;
  /** The runtime's attachments that are still in use (`cni.dev/valid-attachments`). */
  ValidAttachments: Attachment[];
  ClientVersion: string;
}

export interface GarbageCollectReply {
  /** What was released: allocations of the network that no valid attachment holds. */
  Released: IPAllocationMetadata[];
  /** Allocations left alone because they are younger than the GC grace period. */
  KeptRecent: number;
}

export const attachmentCodec: MessageCodec<Attachment> = messageCodec('vpcipamd.Attachment', {
  ContainerID: field.string(1),
  IfName: field.string(2),
});

export const garbageCollectRequestCodec: MessageCodec<GarbageCollectRequest> = messageCodec(
  'vpcipamd.GarbageCollectRequest',
  {
    NetworkName: field.string(1),
    ValidAttachments: field.repeatedMessage(2, attachmentCodec),
    ClientVersion: field.string(3),
  },
);

export const garbageCollectReplyCodec: MessageCodec<GarbageCollectReply> = messageCodec(
  'vpcipamd.GarbageCollectReply',
  {
    Released: field.repeatedMessage(1, ipAllocationMetadataCodec),
    KeptRecent: field.int32(2),
  },
);
