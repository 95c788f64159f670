import type {
  FaultSpec,
  LaunchOptions,
  SimCounters,
  SimInstance,
  SimOptions,
  SimulatedRegion,
  SubnetOptions,
} from './api.ts';
import type { ControlTarget } from './control/routes.ts';
import { CounterBook } from './counters.ts';
import { Ec2Service } from './ec2/service.ts';
import { FaultInjector } from './faults.ts';
import { FrontServer } from './front-server.ts';
import { TransitionHooks } from './hooks.ts';
import { IdFactory } from './ids.ts';
import { ImdsServer } from './imds/server.ts';
import { imdsTree } from './imds/tree.ts';
import { LatencySampler } from './latency.ts';
import { dumpState } from './model/dump.ts';
import { imdsView } from './model/imds-view.ts';
import { launchInstance, terminateInstance } from './model/instances.ts';
import { RegionState } from './model/region-state.ts';
import type { InstanceRecord } from './model/types.ts';
import { type ResolvedSimOptions, resolveSimOptions } from './options.ts';
import { SeededRandom } from './random.ts';
import { AccountThrottle } from './throttle.ts';

function toSimInstance(instance: InstanceRecord): SimInstance {
  return {
    instanceId: instance.id,
    instanceType: instance.instanceType,
    imdsEndpoint: instance.imdsEndpoint,
    primaryEniId: instance.primaryEni.id,
    primaryMac: instance.primaryEni.macAddress,
    primaryIp: instance.primaryEni.primaryIp,
    subnetId: instance.subnetId,
    availabilityZone: instance.availabilityZone,
  };
}

/**
 * The simulated region: its state, the EC2 + control server, one IMDS server per instance, and
 * the throttle, fault, latency and counter models around them.
 */
export class SimRegion implements SimulatedRegion, ControlTarget {
  readonly region: string;
  readonly vpcId: string;
  readonly subnetId: string;
  readonly defaultSecurityGroupId: string;
  ec2Endpoint = '';
  controlEndpoint = '';

  private readonly options: ResolvedSimOptions;
  private readonly state: RegionState;
  private readonly hooks: TransitionHooks;
  private readonly faults: FaultInjector;
  private readonly throttle: AccountThrottle;
  private readonly counterBook = new CounterBook();
  private readonly front: FrontServer;
  private readonly imdsServers = new Map<string, ImdsServer>();
  private closed = false;

  private constructor(raw: SimOptions) {
    const options = resolveSimOptions(raw);
    this.options = options;
    // Separate streams, so that (say) a different latency profile does not change the IDs.
    const timing = new SeededRandom(options.seed);
    const ids = new IdFactory(new SeededRandom(options.seed + 1));
    const addresses = new SeededRandom(options.seed + 2);
    let state: RegionState | undefined;
    this.hooks = new TransitionHooks({
      ...(raw.onEniAttached ? { onEniAttached: raw.onEniAttached } : {}),
      ...(raw.onEniDetached ? { onEniDetached: raw.onEniDetached } : {}),
      sleep: options.sleep,
      now: () => options.clock.now(),
      subnetOf: (id) => state?.subnets.get(id),
    });
    const latency = new LatencySampler(options.latency, timing);
    state = new RegionState({
      region: options.region,
      availabilityZone: options.availabilityZone,
      vpcCidr: options.vpcCidr,
      extraVpcCidrs: options.extraVpcCidrs,
      subnetCidr: options.subnetCidr,
      imdsLagMs: options.imdsLagMs,
      clock: options.clock,
      random: addresses,
      ids,
      latency,
      hooks: this.hooks,
    });
    this.state = state;
    this.faults = new FaultInjector(timing);
    this.throttle = new AccountThrottle(options.buckets, options.clock);
    this.region = state.region;
    this.vpcId = state.vpc.id;
    this.subnetId = state.defaultSubnetId;
    this.defaultSecurityGroupId = state.defaultSecurityGroupId;
    const service = new Ec2Service({
      state,
      throttle: this.throttle,
      faults: this.faults,
      counters: this.counterBook,
      latency,
      sleep: options.sleep,
    });
    this.front = new FrontServer(service, this);
  }

  static async start(options: SimOptions = {}): Promise<SimRegion> {
    const region = new SimRegion(options);
    region.ec2Endpoint = await region.front.start(region.options.port);
    region.controlEndpoint = region.ec2Endpoint;
    return region;
  }

  async launchInstance(options: LaunchOptions = {}): Promise<SimInstance> {
    this.assertOpen();
    this.state.settle();
    const instance = launchInstance(this.state, {
      instanceType: options.instanceType ?? 'm5.large',
      subnetId: options.subnetId ?? this.state.defaultSubnetId,
      securityGroupIds: options.securityGroupIds ?? [],
    });
    const server = new ImdsServer({
      port: options.imdsPort ?? 0,
      clock: this.options.clock,
      onRequest: () => {
        this.counterBook.imdsRequest();
        this.state.settle();
      },
      tree: () => imdsTree(this.state, imdsView(this.state, instance, this.options.clock.now())),
    });
    try {
      instance.imdsEndpoint = await server.start();
    } catch (error) {
      terminateInstance(this.state, instance.id);
      throw error;
    }
    this.imdsServers.set(instance.id, server);
    return toSimInstance(instance);
  }

  async terminateInstance(instanceId: string): Promise<void> {
    this.state.settle();
    terminateInstance(this.state, instanceId);
    const server = this.imdsServers.get(instanceId);
    this.imdsServers.delete(instanceId);
    await server?.close();
  }

  createSubnet(options: SubnetOptions): string {
    return this.state.createSubnet(options).id;
  }

  createSecurityGroup(name: string): string {
    return this.state.createSecurityGroup(name).id;
  }

  injectFault(fault: FaultSpec): void {
    this.faults.inject(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  activeFaults(): FaultSpec[] {
    return this.faults.active();
  }

  counters(): SimCounters {
    return this.counterBook.snapshot();
  }

  dump(): Record<string, unknown> {
    this.state.settle();
    return {
      ...dumpState(this.state),
      ec2Endpoint: this.ec2Endpoint,
      faults: this.faults.active(),
      bucketLevels: this.throttle.levels(),
      counters: this.counterBook.snapshot(),
    };
  }

  async reset(): Promise<void> {
    const servers = [...this.imdsServers.values()];
    this.imdsServers.clear();
    await Promise.all(servers.map((s) => s.close()));
    this.state.clearResources();
    this.faults.clear();
    this.counterBook.reset();
    this.throttle.reset();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hooks.close();
    const servers = [...this.imdsServers.values()];
    this.imdsServers.clear();
    await Promise.all([this.front.close(), ...servers.map((s) => s.close())]);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the simulated region is closed');
  }
}
