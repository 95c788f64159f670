import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { daemonEnvironment } from '../../../src/tools/demo/daemon-env.ts';
import { DaemonProcess } from '../../../src/tools/demo/daemon-process.ts';
import { addRequest, PodFactory } from '../../../src/tools/demo/pod-identity.ts';

/**
 * `vpc-ipamd run` stops promptly on SIGINT even while a pool pass is stuck in a long wait (here
 * an ENI whose attachment takes 60 s): before the fix in src/cli/run.ts the process logged
 * "ipamd stopped" and then lived on until the attach wait's back-off ran out.
 */

let region: SimulatedRegion | undefined;
let daemon: DaemonProcess | undefined;
let dir: string | undefined;

afterEach(async () => {
  daemon?.killNow();
  await region?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  region = undefined;
  daemon = undefined;
  dir = undefined;
});

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('vpc-ipamd run, SIGINT during an ENI attach', () => {
  it('exits 0 within a few seconds instead of waiting for the attach', async () => {
    region = await startSimulatedRegion({
      latency: {
        defaultAction: { minMs: 0, maxMs: 0 },
        attach: { minMs: 60_000, maxMs: 60_000 },
        detach: { minMs: 0, maxMs: 0 },
      },
    });
    const instance = await region.launchInstance({ instanceType: 'm5.large' });
    dir = await mkdtemp(join(tmpdir(), 'vpc-ipamd-run-stop-'));
    const paths = {
      socket: join(dir, 'ipamd.sock'),
      checkpoint: join(dir, 'ipam.json'),
      log: join(dir, 'ipamd.log'),
    };
    daemon = DaemonProcess.start(
      daemonEnvironment(
        {
          ec2Endpoint: region.ec2Endpoint,
          imdsEndpoint: instance.imdsEndpoint,
          region: region.region,
        },
        paths,
        {},
        process.env.PATH ?? '',
      ),
      paths.socket,
    );
    await daemon.waitUntilServing(paths.log, 20_000);
    // The first pod leaves 8 of 9 free (< WARM_ENI_TARGET × 9): the pool creates an ENI and
    // then waits for its attachment, which takes 60 s here.
    const reply = await daemon.client.addNetwork(addRequest(new PodFactory().next()), 10_000);
    expect(reply.Success).toBe(true);
    const attaches = () => region?.counters().actions.AttachNetworkInterface?.calls ?? 0;
    await until(() => attaches() === 1, 10_000);

    const stoppedAt = Date.now();
    const exit = await daemon.stop(20_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });
});
