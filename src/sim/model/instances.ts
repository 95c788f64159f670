import { lookupInstanceType } from '../../ipam/instance-limits.ts';
import { beginDetach, currentAttachments, link } from './attachments.ts';
import { createEni, destroyEni } from './enis.ts';
import type { RegionState } from './region-state.ts';
import type { AttachmentRecord, InstanceRecord } from './types.ts';

export interface NewInstance {
  readonly instanceType: string;
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
}

/**
 * Launches a running instance with its primary ENI already attached at device 0 of the default
 * card (delete-on-termination set, visible in IMDS at once: the instance boots with it).
 */
export function launchInstance(state: RegionState, request: NewInstance): InstanceRecord {
  const typeInfo = lookupInstanceType(request.instanceType);
  if (!typeInfo) throw new RangeError(`unknown instance type '${request.instanceType}'`);
  const subnet = state.getSubnet(request.subnetId);
  const id = state.ids.next('i');
  const primaryEni = createEni(state, {
    subnetId: subnet.id,
    description: 'Primary network interface',
    groupIds: request.securityGroupIds,
    imdsLagMs: 0,
  });
  const now = state.now();
  const instance: InstanceRecord = {
    id,
    seq: state.nextSeq(),
    instanceType: request.instanceType,
    typeInfo,
    availabilityZone: subnet.availabilityZone,
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    reservationId: state.ids.next('r'),
    imageId: 'ami-0abcdef1234567890',
    launchedAt: now,
    primaryEni,
    state: 'running',
    tags: new Map(),
    attachments: [],
    imdsEndpoint: '',
  };
  const attachment: AttachmentRecord = {
    id: state.ids.next('eni-attach'),
    eni: primaryEni,
    instanceId: id,
    deviceIndex: 0,
    networkCardIndex: typeInfo.defaultNetworkCardIndex,
    deleteOnTermination: true,
    requestedAt: now,
    attachedAt: now,
    imdsVisibleAt: now,
  };
  state.instances.set(id, instance);
  link(state, instance, attachment);
  state.hooks.schedule(attachment, 'attached', 0);
  return instance;
}

/**
 * Terminates an instance: every attachment ends at once; ENIs whose attachment says
 * delete-on-termination are deleted, the others are left 'available' (this is how ENIs leak).
 */
export function terminateInstance(state: RegionState, instanceId: string): void {
  const instance = state.getInstance(instanceId);
  if (instance.state === 'terminated') return;
  for (const attachment of currentAttachments(state, instance)) {
    if (attachment.detachRequestedAt === undefined) {
      beginDetach(state, attachment, 0);
    } else {
      // A detach already under way ends now, with the instance.
      attachment.detachedAt = state.now();
      attachment.imdsHiddenAt = state.now() + state.imdsLagMs;
    }
    state.attachments.delete(attachment.id);
    attachment.eni.attachment = undefined;
    if (attachment.deleteOnTermination) destroyEni(state, attachment.eni);
  }
  instance.state = 'terminated';
}
