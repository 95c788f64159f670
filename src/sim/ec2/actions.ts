import type { ActionHandler } from './handler.ts';
import { addressActions } from './handlers/addresses.ts';
import { attachmentActions } from './handlers/attachments.ts';
import { instanceActions } from './handlers/instances.ts';
import { networkInterfaceActions } from './handlers/network-interfaces.ts';
import { subnetActions } from './handlers/subnets.ts';
import { tagActions } from './handlers/tags.ts';

/** Every EC2 action the simulated region serves. */
export const EC2_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  ...networkInterfaceActions,
  ...attachmentActions,
  ...addressActions,
  ...tagActions,
  ...instanceActions,
  ...subnetActions,
};
