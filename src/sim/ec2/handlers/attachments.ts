import { attachEni, detachEni } from '../../model/attachments.ts';
import { missingParameter } from '../errors.ts';
import type { ActionHandler } from '../handler.ts';
import { leaf } from '../xml.ts';

const attachNetworkInterface: ActionHandler = ({ params, state }) => {
  const eniId = params.requiredString('NetworkInterfaceId');
  const instanceId = params.requiredString('InstanceId');
  const deviceIndex = params.integer('DeviceIndex');
  if (deviceIndex === undefined) throw missingParameter('DeviceIndex');
  const networkCardIndex = params.integer('NetworkCardIndex');
  const attachment = attachEni(state, {
    eniId,
    instanceId,
    deviceIndex,
    ...(networkCardIndex !== undefined ? { networkCardIndex } : {}),
  });
  return [
    leaf('attachmentId', attachment.id),
    leaf('networkCardIndex', attachment.networkCardIndex),
  ];
};

const detachNetworkInterface: ActionHandler = ({ params, state }) => {
  const attachmentId = params.requiredString('AttachmentId');
  // Force changes nothing here (there is no guest OS to refuse), but it must still be a boolean.
  params.boolean('Force');
  detachEni(state, attachmentId);
  return [leaf('return', true)];
};

export const attachmentActions: Readonly<Record<string, ActionHandler>> = {
  AttachNetworkInterface: attachNetworkInterface,
  DetachNetworkInterface: detachNetworkInterface,
};
