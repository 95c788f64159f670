import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import type { EniAttachmentEvent, SimInstance, SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2Failure, ec2For, fixedTransitions, ManualTime } from './helpers.ts';

let sim: SimulatedRegion | undefined;
let ec2: EC2Client | undefined;

afterEach(async () => {
  ec2?.destroy();
  await sim?.close();
  sim = undefined;
});

interface World {
  sim: SimulatedRegion;
  ec2: EC2Client;
  time: ManualTime;
  node: SimInstance;
  events: string[];
}

async function world(
  attachMs: number,
  detachMs: number,
  hooks: Partial<{ failing: boolean }> = {},
): Promise<World> {
  const time = new ManualTime();
  const events: string[] = [];
  const record = (kind: string) => (event: EniAttachmentEvent) => {
    events.push(`${kind} ${event.eniId} dev${event.deviceIndex} card${event.networkCardIndex}`);
    if (hooks.failing) throw new Error('hook exploded');
  };
  sim = await startSimulatedRegion({
    clock: time.clock,
    sleep: time.sleep,
    latency: fixedTransitions(attachMs, detachMs),
    buckets: 'off',
    onEniAttached: record('attached'),
    onEniDetached: hooks.failing
      ? async () => {
          throw new Error('async hook exploded');
        }
      : record('detached'),
  });
  ec2 = ec2For(sim);
  const node = await sim.launchInstance({ instanceType: 'm5.large' });
  return { sim, ec2, time, node, events };
}

async function statusOf(client: EC2Client, eniId: string) {
  const out = await client.send(
    new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }),
  );
  const eni = out.NetworkInterfaces![0]!;
  return {
    eni: eni.Status,
    attachment: eni.Attachment?.Status,
    attachmentId: eni.Attachment?.AttachmentId,
  };
}

describe('attach and detach are states that take time', () => {
  it('attaching → attached after the attach latency; detaching → available after the detach latency', async () => {
    const w = await world(5000, 2500);
    expect(w.events).toEqual([`attached ${w.node.primaryEniId} dev0 card0`]);
    const eni = (await w.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: w.sim.subnetId })))
      .NetworkInterface!.NetworkInterfaceId!;
    const { AttachmentId } = await w.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni,
        InstanceId: w.node.instanceId,
        DeviceIndex: 1,
      }),
    );
    expect(await statusOf(w.ec2, eni)).toEqual({
      eni: 'in-use',
      attachment: 'attaching',
      attachmentId: AttachmentId,
    });
    const instance = await w.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [w.node.instanceId] }),
    );
    const listed = instance.Reservations![0]!.Instances![0]!.NetworkInterfaces!.find(
      (n) => n.NetworkInterfaceId === eni,
    );
    expect(listed?.Attachment?.Status).toBe('attaching');

    // Detaching an attachment that is still attaching is refused.
    const early = await ec2Failure(w.ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId })));
    expect(early.code).toBe('IncorrectState');

    await w.time.advance(4999);
    expect((await statusOf(w.ec2, eni)).attachment).toBe('attaching');
    expect(w.events).toHaveLength(1);
    await w.time.advance(1);
    expect((await statusOf(w.ec2, eni)).attachment).toBe('attached');
    expect(w.events).toEqual([
      `attached ${w.node.primaryEniId} dev0 card0`,
      `attached ${eni} dev1 card0`,
    ]);

    await w.ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    expect(await statusOf(w.ec2, eni)).toEqual({
      eni: 'in-use',
      attachment: 'detaching',
      attachmentId: AttachmentId,
    });
    // A second detach of a detaching attachment changes nothing.
    await w.ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    const inUse = await ec2Failure(
      w.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni })),
    );
    expect(inUse).toEqual({
      code: 'InvalidNetworkInterface.InUse',
      message: `The network interface '${eni}' is currently in use.`,
      status: 400,
    });

    await w.time.advance(2500);
    expect(await statusOf(w.ec2, eni)).toEqual({
      eni: 'available',
      attachment: undefined,
      attachmentId: undefined,
    });
    expect(w.events.at(-1)).toBe(`detached ${eni} dev1 card0`);
    const gone = await ec2Failure(w.ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId })));
    expect(gone.code).toBe('InvalidAttachmentID.NotFound');
    await w.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni }));
  });

  it('a detaching ENI still holds its device index and its slot on the card', async () => {
    const w = await world(0, 3000);
    const make = async () =>
      (await w.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: w.sim.subnetId })))
        .NetworkInterface!.NetworkInterfaceId!;
    const a = await make();
    const b = await make();
    const { AttachmentId } = await w.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: a,
        InstanceId: w.node.instanceId,
        DeviceIndex: 1,
      }),
    );
    await w.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: b,
        InstanceId: w.node.instanceId,
        DeviceIndex: 2,
      }),
    );
    await w.ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    const c = await make();
    const busy = await ec2Failure(
      w.ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: c,
          InstanceId: w.node.instanceId,
          DeviceIndex: 1,
        }),
      ),
    );
    expect(busy.code).toBe('InvalidParameterValue');
    const full = await ec2Failure(
      w.ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: c,
          InstanceId: w.node.instanceId,
          DeviceIndex: 3,
        }),
      ),
    );
    expect(full.code).toBe('AttachmentLimitExceeded');
    await w.time.advance(3000);
    await w.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: c,
        InstanceId: w.node.instanceId,
        DeviceIndex: 1,
      }),
    );
  });

  it('the primary interface cannot be detached', async () => {
    const w = await world(0, 0);
    const out = await w.ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [w.node.primaryEniId] }),
    );
    const failure = await ec2Failure(
      w.ec2.send(
        new DetachNetworkInterfaceCommand({
          AttachmentId: out.NetworkInterfaces![0]!.Attachment!.AttachmentId,
        }),
      ),
    );
    expect(failure.code).toBe('OperationNotPermitted');
  });

  it('with zero latency the hooks run at once and the ENI is available right after the detach', async () => {
    const w = await world(0, 0);
    const eni = (await w.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: w.sim.subnetId })))
      .NetworkInterface!.NetworkInterfaceId!;
    const { AttachmentId } = await w.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni,
        InstanceId: w.node.instanceId,
        DeviceIndex: 1,
      }),
    );
    expect(w.events.at(-1)).toBe(`attached ${eni} dev1 card0`);
    await w.ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    expect(w.events.at(-1)).toBe(`detached ${eni} dev1 card0`);
    await w.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni }));
  });

  it('a hook that throws or rejects does not disturb the region', async () => {
    const w = await world(100, 100, { failing: true });
    const eni = (await w.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: w.sim.subnetId })))
      .NetworkInterface!.NetworkInterfaceId!;
    const { AttachmentId } = await w.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni,
        InstanceId: w.node.instanceId,
        DeviceIndex: 1,
      }),
    );
    await w.time.advance(100);
    await w.ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    await w.time.advance(100);
    expect((await statusOf(w.ec2, eni)).eni).toBe('available');
    expect(w.sim.dump().lastHookError).toMatch(/exploded/);
  });

  it('a transition observed by a request fires its hook even if the background sleep has not ended', async () => {
    const w = await world(1000, 1000);
    const eni = (await w.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: w.sim.subnetId })))
      .NetworkInterface!.NetworkInterfaceId!;
    await w.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni,
        InstanceId: w.node.instanceId,
        DeviceIndex: 1,
      }),
    );
    // Move the clock without waking the sleepers: the next request sees 'attached' and fires the hook.
    w.time.clock.advance(1000);
    expect((await statusOf(w.ec2, eni)).attachment).toBe('attached');
    expect(w.events.at(-1)).toBe(`attached ${eni} dev1 card0`);
    await w.time.advance(0);
    expect(w.events.filter((e) => e.includes(eni))).toHaveLength(1);
  });

  it('terminating an instance deletes delete-on-termination ENIs and leaves the others available', async () => {
    const w = await world(0, 0);
    const eni = (await w.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: w.sim.subnetId })))
      .NetworkInterface!.NetworkInterfaceId!;
    await w.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni,
        InstanceId: w.node.instanceId,
        DeviceIndex: 1,
      }),
    );
    await w.sim.terminateInstance(w.node.instanceId);
    expect((await statusOf(w.ec2, eni)).eni).toBe('available');
    const primary = await ec2Failure(
      w.ec2.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [w.node.primaryEniId] }),
      ),
    );
    expect(primary.code).toBe('InvalidNetworkInterfaceID.NotFound');
    const instance = await w.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [w.node.instanceId] }),
    );
    expect(instance.Reservations![0]!.Instances![0]!.State).toEqual({
      Code: 48,
      Name: 'terminated',
    });
    expect(w.events.filter((e) => e.startsWith('detached'))).toHaveLength(2);
  });
});
