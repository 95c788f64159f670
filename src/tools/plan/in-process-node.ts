import { constants, rmSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ec2ApiStats } from '../../aws/api-metrics.ts';
import { loadConfig } from '../../config/index.ts';
import type { Config, ConfigWarning, Environment } from '../../config/types.ts';
import { connectAws } from '../../daemon/aws-ports.ts';
import { Ipamd } from '../../daemon/ipamd.ts';
import { VirtualScheduler } from '../../daemon/scheduler.ts';
import { NoopHostNetwork } from '../../host/noop-host-network.ts';
import type { Logger } from '../../observe/logger.ts';
import { IpamdMetrics } from '../../observe/metrics.ts';
import type { SimulatedRegion } from '../../sim/api.ts';
import { startSimulatedRegion } from '../../sim/index.ts';
import { VERSION } from '../../version.ts';

/**
 * One node's ipamd and the simulated region it runs against, both in this process and on the
 * same simulated time: a VirtualScheduler whose clock is also the region's clock, so ENI
 * lifetimes, cool-downs and the 30/60 s intervals pass in microseconds. Nothing here starts the
 * daemon's timers: the caller drives time with `scheduler.advance` and `ipamd.tick()`.
 */
export interface InProcessNode {
  readonly config: Config;
  readonly warnings: readonly ConfigWarning[];
  readonly ipamd: Ipamd;
  readonly scheduler: VirtualScheduler;
  readonly region: SimulatedRegion;
  /** Every EC2 call the daemon made, by action. */
  readonly ec2Stats: Ec2ApiStats;
  close(): Promise<void>;
}

export interface InProcessNodeOptions {
  readonly instanceType: string;
  /**
   * The daemon's settings (WARM_*, ENABLE_PREFIX_DELEGATION, MAX_ENI, …). Endpoints, region,
   * credentials, host networking and the checkpoint path are set here and override these.
   */
  readonly env: Environment;
  readonly logger: Logger;
  /** Max pods of the node; default the instance table's value. */
  readonly maxPods?: number;
}

/** A deterministic [0, 1) source, so that back-off jitter is the same from run to run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Where the throw-away checkpoint goes: /dev/shm when there is one, since every ADD fsyncs the
 * checkpoint and a disk fsync per pod would dominate the run time; else the usual temp dir.
 */
async function checkpointParent(): Promise<string> {
  try {
    await access('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

export async function startInProcessNode(options: InProcessNodeOptions): Promise<InProcessNode> {
  const scheduler = new VirtualScheduler();
  const sleep = (ms: number) => scheduler.sleep(ms);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const dir = await mkdtemp(join(await checkpointParent(), 'vpc-ipamd-plan-'));
    // Also on an abrupt exit (e.g. EPIPE on a closed stderr with --verbose): /dev/shm is memory.
    const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
    process.once('exit', removeOnExit);
    cleanups.push(async () => {
      process.off('exit', removeOnExit);
      await rm(dir, { recursive: true, force: true });
    });
    // Server-side buckets off: the client's own buckets already keep the daemon within EC2's.
    const region = await startSimulatedRegion({
      clock: scheduler.clock,
      sleep,
      latency: 'none',
      imdsLagMs: 0,
      buckets: 'off',
      // A /16 subnet (4,096 prefixes): the largest node, 15 ENIs × 49 prefixes, fits, so the
      // plan shows the pool's rules, not a small subnet running out.
      vpcCidr: '10.0.0.0/16',
      subnetCidr: '10.0.0.0/16',
    });
    cleanups.push(() => region.close());
    const instance = await region.launchInstance({ instanceType: options.instanceType });

    const { config, warnings } = loadConfig({
      ...options.env,
      AWS_EC2_ENDPOINT: region.ec2Endpoint,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: instance.imdsEndpoint,
      AWS_REGION: region.region,
      DISABLE_HOST_NETWORKING: 'true',
      AWS_VPC_K8S_CNI_BACKING_STORE: join(dir, 'ipam.json'),
    });
    const metrics = new IpamdMetrics(VERSION);
    const ec2Stats = new Ec2ApiStats();
    const random = seededRandom(1);
    const { imds, identity, ec2 } = await connectAws(config, {
      observer: ec2Stats,
      clock: scheduler.clock,
      sleep,
      // Static dummy keys: the simulator does not check signatures, and the SDK's provider
      // chain must not go looking for real credentials.
      credentials: { accessKeyId: 'AKIDVPCIPAMDPLAN', secretAccessKey: 'vpc-ipamd-plan' },
    });
    const ipamd = await Ipamd.start({
      config,
      identity,
      imds,
      ec2,
      host: new NoopHostNetwork(),
      scheduler,
      logger: options.logger,
      metrics,
      random,
      ...(options.maxPods !== undefined ? { maxPods: options.maxPods } : {}),
    });
    cleanups.push(() => ipamd.stop());
    return { config, warnings, ipamd, scheduler, region, ec2Stats, close };
  } catch (error) {
    await close();
    throw error;
  }
}
