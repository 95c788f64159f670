import { Ec2Error, invalidParameterValue } from '../ec2/errors.ts';
import { addressLimitExceeded } from './addresses.ts';
import { ipv4SlotsUsed } from './limits.ts';
import type { RegionState } from './region-state.ts';
import { type AttachmentRecord, attachmentStatus, type InstanceRecord } from './types.ts';

export interface AttachRequest {
  readonly eniId: string;
  readonly instanceId: string;
  readonly deviceIndex: number;
  readonly networkCardIndex?: number;
}

/**
 * AttachNetworkInterface: checks what EC2 checks (instance running, ENI free, same AZ, card and
 * device index valid and free, the card's interface limit, the type's per-interface address
 * limit) and starts an 'attaching' attachment that becomes 'attached' after the attach latency.
 */
export function attachEni(state: RegionState, request: AttachRequest): AttachmentRecord {
  const instance = state.getInstance(request.instanceId);
  const eni = state.getEni(request.eniId);
  if (instance.state !== 'running') {
    throw new Ec2Error(
      'IncorrectInstanceState',
      `The instance '${instance.id}' is not in a valid state for this operation.`,
    );
  }
  if (eni.attachment) {
    throw new Ec2Error('InvalidNetworkInterface.InUse', `Interface: [${eni.id}] in use.`);
  }
  if (eni.availabilityZone !== instance.availabilityZone) {
    throw invalidParameterValue(
      `The network interface '${eni.id}' (${eni.availabilityZone}) and the instance '${instance.id}' (${instance.availabilityZone}) must be in the same availability zone.`,
    );
  }
  const card = request.networkCardIndex ?? instance.typeInfo.defaultNetworkCardIndex;
  const cardLimit = instance.typeInfo.networkCards.find((c) => c.networkCardIndex === card);
  if (!cardLimit) {
    throw invalidParameterValue(
      `The network card index ${card} is not valid for instance type ${instance.instanceType}.`,
    );
  }
  if (!Number.isInteger(request.deviceIndex) || request.deviceIndex < 0) {
    throw invalidParameterValue(`Invalid value '${request.deviceIndex}' for deviceIndex.`);
  }
  const onCard = currentAttachments(state, instance).filter((a) => a.networkCardIndex === card);
  if (onCard.some((a) => a.deviceIndex === request.deviceIndex)) {
    throw invalidParameterValue(
      `Instance '${instance.id}' already has an interface attached at device index '${request.deviceIndex}'.`,
    );
  }
  if (onCard.length + 1 > cardLimit.maximumNetworkInterfaces) {
    throw new Ec2Error(
      'AttachmentLimitExceeded',
      `Interface count ${onCard.length + 1} exceeds the limit for ${instance.instanceType}`,
    );
  }
  if (ipv4SlotsUsed(eni) > instance.typeInfo.ipv4Limit) throw addressLimitExceeded();

  const now = state.now();
  const delay = state.latency.attach();
  const attachment: AttachmentRecord = {
    id: state.ids.next('eni-attach'),
    eni,
    instanceId: instance.id,
    deviceIndex: request.deviceIndex,
    networkCardIndex: card,
    deleteOnTermination: false,
    requestedAt: now,
    attachedAt: now + delay,
    imdsVisibleAt: now + delay + state.imdsLagMs,
  };
  link(state, instance, attachment);
  state.hooks.schedule(attachment, 'attached', delay);
  return attachment;
}

/** Makes an attachment current on both sides (used by attach and by instance launch). */
export function link(
  state: RegionState,
  instance: InstanceRecord,
  attachment: AttachmentRecord,
): void {
  attachment.eni.attachment = attachment;
  instance.attachments.push(attachment);
  state.attachments.set(attachment.id, attachment);
}

/** Attachments of the instance that still hold a slot (attaching, attached or detaching). */
export function currentAttachments(
  state: RegionState,
  instance: InstanceRecord,
): AttachmentRecord[] {
  const now = state.now();
  return instance.attachments.filter(
    (a) => state.attachments.get(a.id) === a && attachmentStatus(a, now) !== 'detached',
  );
}

/**
 * DetachNetworkInterface: 'detaching' now, gone (ENI 'available') after the detach latency. The
 * primary interface cannot be detached; an attachment still attaching is in the wrong state; a
 * second detach of a detaching attachment changes nothing.
 */
export function detachEni(state: RegionState, attachmentId: string): AttachmentRecord {
  const attachment = state.getAttachment(attachmentId);
  const now = state.now();
  const status = attachmentStatus(attachment, now);
  if (attachment.deviceIndex === 0 && attachment.networkCardIndex === 0) {
    throw new Ec2Error(
      'OperationNotPermitted',
      'The network interface at device index 0 and networkCard index 0 cannot be detached.',
    );
  }
  if (status === 'detaching') return attachment;
  if (status === 'attaching') {
    throw new Ec2Error(
      'IncorrectState',
      `The attachment '${attachment.id}' is in the 'attaching' state and cannot be detached yet.`,
    );
  }
  beginDetach(state, attachment, state.latency.detach());
  return attachment;
}

export function beginDetach(state: RegionState, attachment: AttachmentRecord, delay: number): void {
  const now = state.now();
  attachment.detachRequestedAt = now;
  attachment.detachedAt = now + delay;
  attachment.imdsHiddenAt = now + delay + state.imdsLagMs;
  state.hooks.schedule(attachment, 'detached', delay);
}
