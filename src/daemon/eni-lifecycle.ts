import type { ConnectionTracking, EniAddressRequest, EniDescription } from '../aws/ec2-port.ts';
import { Ec2Error, isEc2Error, toEc2Error } from '../aws/errors.ts';
import { lowestFreeDeviceIndex } from '../ipam/eni/device-index.ts';
import { creationEniTags, eniDescription } from '../ipam/eni/tags.ts';
import { describeEni } from './describe-enis.ts';
import { type Ec2Context, retryEc2 } from './ec2-context.ts';

/**
 * The ENI lifecycle workflows of the reference's awsutils, over the one-call-per-method EC2
 * port: allocate (create in the first subnet that takes it → lowest free device index → attach →
 * DeleteOnTermination, undone at the first failure) and free (detach with back-off, pause, delete
 * with back-off).
 */

export interface AllocateEniRequest {
  /** Subnets to try in order (the placement's choice); the first where create succeeds wins. */
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly addresses: EniAddressRequest;
  /** Caps `addresses.count` (IPv4Limit − 1 for the instance type); no cap when absent. */
  readonly maxAddressCount?: number;
  readonly networkCardIndex: number;
  readonly connectionTracking?: ConnectionTracking;
}

/** A new ENI, attached to this instance with DeleteOnTermination set. */
export interface AllocatedEni {
  /** As CreateNetworkInterface answered (its addresses are EC2's authoritative answer). */
  readonly eni: EniDescription;
  readonly attachmentId: string;
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
}

/** 'freed': detached (if attached) and deleted; 'alreadyGone': EC2 did not know the ENI. */
export type FreeEniResult = 'freed' | 'alreadyGone';

function workflowError(action: string, code: string, message: string): Ec2Error {
  return new Ec2Error(action, { kind: 'other', code, message, httpStatus: undefined });
}

/** The count capped at `max`, whole, 0 when not a finite number. */
export function clampCount(count: number, max: number | undefined): number {
  const capped = max === undefined ? count : Math.min(count, max);
  return Number.isFinite(capped) ? Math.floor(capped) : 0;
}

export async function allocateEni(
  ctx: Ec2Context,
  request: AllocateEniRequest,
): Promise<AllocatedEni> {
  const eni = await createInFirstSubnet(ctx, request);
  let attachmentId: string;
  let deviceIndex: number;
  try {
    deviceIndex = await freeDeviceIndex(ctx, request.networkCardIndex);
    attachmentId = await ctx.ec2.attachNetworkInterface(
      eni.eniId,
      deviceIndex,
      request.networkCardIndex,
    );
  } catch (err) {
    await undoAllocation(ctx, eni.eniId, 'attach failed');
    throw err;
  }
  try {
    await ctx.ec2.setDeleteOnTermination(eni.eniId, attachmentId);
  } catch (err) {
    await undoAllocation(ctx, eni.eniId, 'setting DeleteOnTermination failed');
    throw err;
  }
  return { eni, attachmentId, deviceIndex, networkCardIndex: request.networkCardIndex };
}

async function createInFirstSubnet(
  ctx: Ec2Context,
  request: AllocateEniRequest,
): Promise<EniDescription> {
  if (request.subnetIds.length === 0) {
    throw workflowError(
      'CreateNetworkInterface',
      'NoValidSubnet',
      'no subnet to create the ENI in',
    );
  }
  const addresses: EniAddressRequest =
    request.addresses.kind === 'none'
      ? request.addresses
      : {
          kind: request.addresses.kind,
          count: clampCount(request.addresses.count, request.maxAddressCount),
        };
  let lastError: Ec2Error | undefined;
  for (const subnetId of request.subnetIds) {
    try {
      return await ctx.ec2.createNetworkInterface({
        subnetId,
        securityGroupIds: request.securityGroupIds,
        description: eniDescription(ctx.tags.instanceId),
        tags: creationEniTags(ctx.tags, ctx.scheduler.now()),
        addresses,
        ...(request.connectionTracking ? { connectionTracking: request.connectionTracking } : {}),
      });
    } catch (err) {
      lastError = toEc2Error('CreateNetworkInterface', err);
      // Another subnet does not help against throttling or missing permissions, and after a
      // timeout the first ENI may exist: stop (the leaked-ENI cleanup reaps such an orphan).
      if (['throttled', 'unauthorized', 'timeout'].includes(lastError.kind)) throw lastError;
      ctx.logger.warn(
        { subnetId, err: lastError.message },
        'creating an ENI failed, trying the next subnet',
      );
    }
  }
  throw lastError;
}

async function freeDeviceIndex(ctx: Ec2Context, networkCardIndex: number): Promise<number> {
  const index = lowestFreeDeviceIndex(
    await ctx.ec2.describeInstanceAttachments(),
    networkCardIndex,
  );
  if (index === undefined) {
    throw workflowError(
      'DescribeInstances',
      'NoFreeDeviceIndex',
      `no free device index on network card ${networkCardIndex}`,
    );
  }
  return index;
}

/** Frees a half-set-up ENI; a failure is only logged (the leaked-ENI cleanup is the safety net). */
async function undoAllocation(ctx: Ec2Context, eniId: string, why: string): Promise<void> {
  ctx.logger.warn({ eniId }, `${why}: freeing the new ENI`);
  try {
    await freeEni(ctx, eniId);
  } catch (err) {
    ctx.logger.error(
      { eniId, err: toEc2Error('FreeENI', err).message },
      'could not free the new ENI',
    );
  }
}

/**
 * Re-reads the ENI from EC2 (unknown → 'alreadyGone'), detaches it with the detach back-off,
 * pauses, deletes it with the delete back-off. Refuses an ENI attached to another instance or at
 * device 0 of card 0 (the primary).
 */
export async function freeEni(ctx: Ec2Context, eniId: string): Promise<FreeEniResult> {
  const eni = await describeEni(ctx, eniId);
  if (!eni) {
    ctx.logger.info({ eniId }, 'ENI not found in EC2: already freed');
    return 'alreadyGone';
  }
  const attachment = eni.attachment;
  if (attachment) {
    if (attachment.instanceId !== undefined && attachment.instanceId !== ctx.ec2.instanceId) {
      throw workflowError(
        'DetachNetworkInterface',
        'AttachedElsewhere',
        `${eniId} is attached to ${attachment.instanceId}, not ${ctx.ec2.instanceId}`,
      );
    }
    if (attachment.deviceIndex === 0 && attachment.networkCardIndex === 0) {
      throw workflowError('DetachNetworkInterface', 'PrimaryEni', `${eniId} is the primary ENI`);
    }
    if (attachment.status === 'attaching' || attachment.status === 'attached') {
      await detachEni(ctx, attachment.attachmentId);
    }
    await ctx.scheduler.sleep(ctx.schedules.detachToDeletePauseMs);
  }
  await deleteEni(ctx, eniId);
  return 'freed';
}

/** DetachNetworkInterface with the detach back-off; an unknown attachment counts as detached. */
export function detachEni(ctx: Ec2Context, attachmentId: string): Promise<void> {
  return retryEc2(ctx, ctx.schedules.detach, 'detaching the ENI', { attachmentId }, () =>
    ignoreNotFound(ctx.ec2.detachNetworkInterface(attachmentId)),
  );
}

/** DeleteNetworkInterface with the delete back-off; an unknown ENI counts as deleted. */
export function deleteEni(ctx: Ec2Context, eniId: string): Promise<void> {
  return retryEc2(ctx, ctx.schedules.delete, 'deleting the ENI', { eniId }, () =>
    ignoreNotFound(ctx.ec2.deleteNetworkInterface(eniId)),
  );
}

async function ignoreNotFound(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!isEc2Error(err, 'notFound')) throw err;
  }
}
