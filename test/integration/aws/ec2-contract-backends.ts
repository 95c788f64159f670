import type { EC2Client } from '@aws-sdk/client-ec2';
import { Ec2ApiStats } from '../../../src/aws/api-metrics.ts';
import { createEc2SdkClient } from '../../../src/aws/ec2-client.ts';
import type { CreateEniRequest, EniDescription } from '../../../src/aws/ec2-port.ts';
import { SdkEc2 } from '../../../src/aws/ec2-sdk.ts';
import type { Ec2Context } from '../../../src/daemon/ec2-context.ts';
import type { Clock } from '../../../src/ipam/clock.ts';
import type { EniRetrySchedules } from '../../../src/ipam/eni/backoff.ts';
import { creationEniTags, eniDescription } from '../../../src/ipam/eni/tags.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import type { SimulatedRegion } from '../../../src/sim/api.ts';
import { findMotoServer, type MotoServer, startMotoServer } from './moto-server.ts';
import { createMotoWorld, DUMMY_CREDENTIALS, MOTO_REGION } from './moto-world.ts';

/**
 * Test-only: the two EC2 implementations the EC2 port's contract suite runs against, behind one
 * shape: the simulator (src/sim) and moto. Each test gets a fresh instance in a fresh region state.
 */

export interface ContractWorld {
  readonly endpoint: string;
  readonly region: string;
  readonly vpcId: string;
  readonly subnetId: string;
  readonly availabilityZone: string;
  readonly instanceId: string;
  readonly primaryEniId: string;
  readonly securityGroupId: string;
}

export interface ContractBackend {
  readonly name: 'simulator' | 'moto';
  /** Why the backend cannot run here, or undefined when it can. */
  readonly unavailable: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Forgets everything, then launches one m5.large instance. */
  freshWorld(): Promise<ContractWorld>;
  /**
   * Whether Assign answers exactly the addresses it added. moto answers every address of the
   * ENI (its primary included) — the daemon relies on the exact answer only against real EC2
   * and the simulator.
   */
  readonly exactAssignAnswer: boolean;
}

export class SimulatorBackend implements ContractBackend {
  readonly name = 'simulator' as const;
  readonly unavailable = undefined;
  readonly exactAssignAnswer = true;
  region: SimulatedRegion | undefined;

  async start(): Promise<void> {
    const { startSimulatedRegion } = await import('../../../src/sim/index.ts');
    this.region = await startSimulatedRegion({ latency: 'none' });
  }

  async stop(): Promise<void> {
    await this.region?.close();
    this.region = undefined;
  }

  async freshWorld(): Promise<ContractWorld> {
    const region = this.region;
    if (!region) throw new Error('simulator not started');
    await region.reset();
    const instance = await region.launchInstance({ instanceType: 'm5.large' });
    return {
      endpoint: region.ec2Endpoint,
      region: region.region,
      vpcId: region.vpcId,
      subnetId: instance.subnetId,
      availabilityZone: instance.availabilityZone,
      instanceId: instance.instanceId,
      primaryEniId: instance.primaryEniId,
      securityGroupId: region.defaultSecurityGroupId,
    };
  }
}

export class MotoBackend implements ContractBackend {
  readonly name = 'moto' as const;
  readonly exactAssignAnswer = false;
  private readonly executable = findMotoServer();
  private server: MotoServer | undefined;

  get unavailable(): string | undefined {
    return this.executable === undefined ? 'moto_server is not on PATH' : undefined;
  }

  async start(): Promise<void> {
    if (!this.executable) return;
    this.server = await startMotoServer(this.executable);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }

  async freshWorld(): Promise<ContractWorld> {
    const server = this.server;
    if (!server) throw new Error('moto_server not started');
    await server.reset();
    const world = await createMotoWorld(server.endpoint);
    return { ...world, endpoint: server.endpoint, region: MOTO_REGION };
  }
}

/** Fast retry schedules: the contract is about what EC2 answers, not about waiting. */
export const FAST_SCHEDULES: EniRetrySchedules = {
  detach: { initialMs: 5, maxMs: 50, factor: 2, jitter: 0, attempts: 4 },
  delete: { initialMs: 5, maxMs: 50, factor: 2, jitter: 0, attempts: 4 },
  createTags: { initialMs: 5, maxMs: 50, factor: 2, jitter: 0, attempts: 3 },
  detachToDeletePauseMs: 5,
  waitForAttachment: { initialMs: 5, maxMs: 50, factor: 2, jitter: 0, attempts: 20 },
};

/** A wall clock that tests can move forward (to age ENIs for the leaked-ENI cleanup). */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export interface AdapterUnderTest {
  readonly ec2: SdkEc2;
  /** The daemon's EC2 workflows (allocate, free, tag, describe, cleanup) on that adapter. */
  readonly ctx: Ec2Context;
  readonly client: EC2Client;
  readonly stats: Ec2ApiStats;
  readonly clock: OffsetClock;
  /** One CreateNetworkInterface as the daemon sends it (our description and creation tags). */
  createOurEni(request: Pick<CreateEniRequest, 'subnetId' | 'addresses'>): Promise<EniDescription>;
}

/** The real adapter on the real SDK client, pointed at the backend like AWS_EC2_ENDPOINT does. */
export function adapterFor(
  world: ContractWorld,
  settings: {
    clusterName?: string;
    additionalEniTags?: Record<string, string>;
    schedules?: Partial<EniRetrySchedules>;
  } = {},
): AdapterUnderTest {
  const client = createEc2SdkClient(
    { ec2Endpoint: world.endpoint, httpTimeoutSeconds: 10, vpcCniVersion: 'contract-test' },
    { region: world.region, credentials: DUMMY_CREDENTIALS, maxAttempts: 3 },
  );
  const stats = new Ec2ApiStats();
  const clock = new OffsetClock();
  const ec2 = new SdkEc2({ client, instanceId: world.instanceId, observer: stats, clock });
  const ctx: Ec2Context = {
    ec2,
    scheduler: {
      now: () => clock.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    random: Math.random,
    logger: silentLogger(),
    schedules: { ...FAST_SCHEDULES, ...(settings.schedules ?? {}) },
    tags: {
      instanceId: world.instanceId,
      clusterName: settings.clusterName ?? '',
      additionalTags: settings.additionalEniTags ?? {},
    },
  };
  const createOurEni = (request: Pick<CreateEniRequest, 'subnetId' | 'addresses'>) =>
    ec2.createNetworkInterface({
      ...request,
      securityGroupIds: [world.securityGroupId],
      description: eniDescription(world.instanceId),
      tags: creationEniTags(ctx.tags, clock.now()),
    });
  return { ec2, ctx, client, stats, clock, createOurEni };
}
