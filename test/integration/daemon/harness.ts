/**
 * Runs `vpc-ipamd run` as a real child process against an in-process simulated AWS region, the
 * way a node runs it: the daemon reaches EC2 and IMDS over HTTP through the real AWS SDK and
 * serves the CNI over its real gRPC Unix socket. Everything a test starts (region, children,
 * temporary directories) is registered here and torn down by `World.close()` — also when the
 * test failed half-way — and, as a last resort, children are SIGKILLed when the worker exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  type CreateNetworkInterfaceCommandInput,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import { combineCheckpoint } from '../../../src/checkpoint/durable-checkpoint.ts';
import { decodeCheckpoint } from '../../../src/checkpoint/format.ts';
import { journalPath } from '../../../src/checkpoint/paths.ts';
import type { EnisIntrospection } from '../../../src/ipam/datastore-view.ts';
import { IpamdClient } from '../../../src/rpc/client.ts';
import type { SimInstance, SimOptions, SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { VERSION } from '../../../src/version.ts';
import type { AddNetworkReply, AddNetworkRequest } from '../../../src/wire/rpc-messages.ts';
import { ec2For } from '../sim/helpers.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const BIN = join(REPO, 'bin/vpc-ipamd.js');
const SETPRIV = '/usr/bin/setpriv';
/** Start-up (tsx compile + node init) is ~1.5 s here; a loaded 2-core CI box gets much more. */
const START_DEADLINE_MS = 45_000;
const EXIT_DEADLINE_MS = 20_000;

/**
 * `command` run through `setpriv --pdeathsig KILL` where setpriv exists: it execs, so the pid
 * stays the command's, and the kernel SIGKILLs it if this test process dies without cleaning up.
 */
export function diesWithThisProcess(command: readonly string[]): string[] {
  return existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', ...command] : [...command];
}

// ---- polling ----------------------------------------------------------------------------------

/**
 * Polls `probe` until it returns something other than undefined, or throws once `timeoutMs`
 * passed, with `what` and the last value/error in the message. No fixed sleeps in tests.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---- HTTP (TCP or Unix socket) ----------------------------------------------------------------

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string | undefined;
}

/** GET from 'host:port' or 'unix:<path>' (the daemon's bind-address syntax). */
export function httpGet(address: string, path: string): Promise<HttpAnswer> {
  const target = address.startsWith('unix:')
    ? { socketPath: address.slice('unix:'.length) }
    : {
        host: address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1'),
        port: Number(address.slice(address.lastIndexOf(':') + 1)),
      };
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ ...target, path, method: 'GET', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          contentType: res.headers['content-type'],
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${address}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

// ---- Prometheus text --------------------------------------------------------------------------

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export class Metrics {
  readonly types = new Map<string, string>();
  readonly samples: Sample[] = [];

  constructor(text: string) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) {
        this.types.set(type[1]!, type[2]!);
        continue;
      }
      if (line === '' || line.startsWith('#')) continue;
      const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!sample) throw new Error(`unparseable metrics line: ${line}`);
      const labels: Record<string, string> = {};
      for (const m of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[m[1]!] = m[2]!;
      this.samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
    }
  }

  /** The value of the one sample named `name` whose labels include `labels`; undefined if none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const matching = this.all(name, labels);
    if (matching.length > 1)
      throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return matching[0]?.value;
  }

  /** Sum over every sample named `name` whose labels include `labels` (0 when none). */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.all(name, labels).reduce((total, s) => total + s.value, 0);
  }

  all(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }
}

// ---- /v1/enis ---------------------------------------------------------------------------------

/** The /v1/enis document (the Go-shaped type the daemon builds it from). */
export type EnisView = EnisIntrospection;

/** Card 0's pool in numbers, from /v1/enis. */
export interface PoolShape {
  readonly enis: number;
  readonly totalIPs: number;
  readonly assignedIPs: number;
  readonly secondaryIps: number;
  readonly prefixes: number;
}

export function poolShape(view: EnisView, card = '0'): PoolShape {
  const info = view[card];
  if (!info) throw new Error(`no card ${card} in /v1/enis`);
  const cidrs = Object.values(info.ENIs).flatMap((eni) => Object.values(eni.AvailableIPv4Cidrs));
  return {
    enis: Object.keys(info.ENIs).length,
    totalIPs: info.TotalIPs,
    assignedIPs: info.AssignedIPs,
    secondaryIps: cidrs.filter((c) => !c.IsPrefix).length,
    prefixes: cidrs.filter((c) => c.IsPrefix).length,
  };
}

/** Every CIDR ('a.b.c.d/32' or '/28') in /v1/enis, by ENI. */
export function cidrsByEni(view: EnisView, card = '0'): Map<string, string[]> {
  const info = view[card];
  if (!info) throw new Error(`no card ${card} in /v1/enis`);
  return new Map(
    Object.entries(info.ENIs).map(([id, eni]) => [id, Object.keys(eni.AvailableIPv4Cidrs).sort()]),
  );
}

// ---- CNI requests -----------------------------------------------------------------------------

/** An AddNetwork request as the aws-cni plugin sends it for pod `name`. */
export function addRequest(name: string, overrides: Partial<AddNetworkRequest> = {}) {
  const containerID = `cid-${name}`;
  return {
    ClientVersion: VERSION,
    K8S_POD_NAME: name,
    K8S_POD_NAMESPACE: 'default',
    K8S_POD_INFRA_CONTAINER_ID: containerID,
    ContainerID: containerID,
    IfName: 'eth0',
    NetworkName: 'aws-cni',
    Netns: `/var/run/netns/${name}`,
    ...overrides,
  };
}

export function delRequest(name: string, reason = 'PodDeleted') {
  const containerID = `cid-${name}`;
  return {
    ClientVersion: VERSION,
    K8S_POD_NAME: name,
    K8S_POD_NAMESPACE: 'default',
    K8S_POD_INFRA_CONTAINER_ID: containerID,
    ContainerID: containerID,
    IfName: 'eth0',
    NetworkName: 'aws-cni',
    Reason: reason,
  };
}

export function ipOf(reply: AddNetworkReply): string {
  const ip = reply.IPAllocationMetadata[0]?.IPv4Addr;
  if (!reply.Success || !ip) throw new Error(`ADD did not succeed: ${JSON.stringify(reply)}`);
  return ip;
}

// ---- the daemon process -----------------------------------------------------------------------

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export class DaemonProcess {
  readonly child: ChildProcess;
  readonly logPath: string;
  readonly socketPath: string;
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private stdoutText = '';
  private stderrText = '';
  private ipamdClient: IpamdClient | undefined;
  /** From the "ipamd serving" log line, once started. */
  metricsAddress: string | undefined;
  introspectionAddress: string | undefined;

  /**
   * `netns`: run the daemon inside that network namespace (`ip netns exec` execs too, so the
   * death signal and the pid still belong to the daemon).
   */
  constructor(env: Record<string, string>, logPath: string, socketPath: string, netns?: string) {
    this.logPath = logPath;
    this.socketPath = socketPath;
    // Through setpriv (it execs, so the pid stays the daemon's) the kernel SIGKILLs the daemon
    // if this test process dies without cleaning up (e.g. a worker killed on timeout).
    const inNamespace = netns ? ['ip', 'netns', 'exec', netns] : [];
    const command = diesWithThisProcess([...inNamespace, process.execPath, BIN, 'run']);
    this.child = spawn(command[0]!, command.slice(1), {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(this.child);
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdoutText += d;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderrText += d;
    });
    this.exited = new Promise((resolvePromise) => {
      this.child.once('exit', (code, signal) => {
        liveChildren.delete(this.child);
        this.exitStatus = { code, signal };
        resolvePromise(this.exitStatus);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get client(): IpamdClient {
    this.ipamdClient ??= new IpamdClient(this.socketPath);
    return this.ipamdClient;
  }

  /** The log as text ('' before the first line). */
  logText(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  /** The log's JSON lines (a torn last line after SIGKILL is skipped). */
  logLines(): Record<string, unknown>[] {
    const lines: Record<string, unknown>[] = [];
    for (const line of this.logText().split('\n')) {
      if (line === '') continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // the daemon was killed mid-line
      }
    }
    return lines;
  }

  findLog(msg: string): Record<string, unknown> | undefined {
    return this.logLines().find((line) => line.msg === msg);
  }

  /**
   * The first line with this message, waiting for it: the daemon writes its log asynchronously,
   * so a line about something that just happened may land a moment after the effect is visible.
   */
  waitForLog(msg: string | ((msg: string) => boolean)): Promise<Record<string, unknown>> {
    const matches = typeof msg === 'string' ? (m: string) => m === msg : msg;
    return waitFor(`the log line ${typeof msg === 'string' ? JSON.stringify(msg) : ''}`, () =>
      this.logLines().find((line) => matches(String(line.msg))),
    );
  }

  /** Waits until "ipamd serving" is logged and the gRPC health check answers SERVING. */
  async ready(): Promise<this> {
    const serving = await waitFor(
      `the daemon (pid ${this.pid}) to serve`,
      () => {
        if (!this.running) throw new Error(this.describeExit());
        return this.findLog('ipamd serving');
      },
      START_DEADLINE_MS,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${this.diagnostics()}`);
    });
    this.metricsAddress = serving.metricsAddress as string | undefined;
    this.introspectionAddress = serving.introspectionAddress as string | undefined;
    const health = await this.client.healthCheck();
    if (health.status !== 'SERVING') throw new Error(`health: ${JSON.stringify(health)}`);
    return this;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Waits for the process to exit on its own (e.g. after a fatal start-up error). */
  async waitForExit(timeoutMs = EXIT_DEADLINE_MS): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`pid ${this.pid} did not exit within ${timeoutMs} ms\n${this.diagnostics()}`),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGINT (clean stop) and wait for the exit. */
  async stop(): Promise<ExitStatus> {
    this.closeClient();
    this.signal('SIGINT');
    return this.waitForExit();
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ExitStatus> {
    this.closeClient();
    this.signal('SIGKILL');
    return this.exited;
  }

  closeClient(): void {
    this.ipamdClient?.close();
    this.ipamdClient = undefined;
  }

  async metrics(): Promise<Metrics> {
    if (!this.metricsAddress) throw new Error('metrics are not served');
    const answer = await httpGet(this.metricsAddress, '/metrics');
    if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
    return new Metrics(answer.body);
  }

  async introspect(path: string): Promise<HttpAnswer> {
    if (!this.introspectionAddress) throw new Error('introspection is not served');
    return httpGet(this.introspectionAddress, path);
  }

  async enis(): Promise<EnisView> {
    const answer = await this.introspect('/v1/enis');
    if (answer.status !== 200) throw new Error(`/v1/enis answered ${answer.status}`);
    return JSON.parse(answer.body) as EnisView;
  }

  async pool(): Promise<PoolShape> {
    return poolShape(await this.enis());
  }

  describeExit(): string {
    return `the daemon exited (${JSON.stringify(this.exitStatus)})`;
  }

  diagnostics(): string {
    const tail = this.logText().split('\n').slice(-15).join('\n');
    return `--- stderr ---\n${this.stderrText}\n--- log tail (${this.logPath}) ---\n${tail}`;
  }
}

// ---- a node: one simulated instance, one state directory --------------------------------------

/** The environment of the brief's hand run: nothing inherited but PATH. */
function baseEnv(
  region: SimulatedRegion,
  instance: SimInstance,
  dir: string,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_EC2_ENDPOINT: region.ec2Endpoint,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: instance.imdsEndpoint,
    AWS_REGION: region.region,
    AWS_ACCESS_KEY_ID: 'sim',
    AWS_SECRET_ACCESS_KEY: 'sim',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DISABLE_HOST_NETWORKING: 'true',
    IPAMD_GRPC_SOCKET: join(dir, 'ipamd.sock'),
    AWS_VPC_K8S_CNI_BACKING_STORE: join(dir, 'ipam.json'),
    METRICS_BIND_ADDRESS: '127.0.0.1:0',
    INTROSPECTION_BIND_ADDRESS: '127.0.0.1:0',
    // The hourly cleanup's first run is random in 0–300 s; it only adds noise to EC2 counters.
    DISABLE_LEAKED_ENI_CLEANUP: 'true',
  };
}

export class TestNode {
  readonly world: World;
  readonly instance: SimInstance;
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly daemons: DaemonProcess[] = [];

  /** The network namespace its daemons run in; undefined: this process's. */
  readonly netns: string | undefined;

  constructor(
    world: World,
    instance: SimInstance,
    dir: string,
    env: Record<string, string>,
    netns?: string,
  ) {
    this.world = world;
    this.instance = instance;
    this.dir = dir;
    this.env = { ...baseEnv(world.region, instance, dir), ...env };
    this.netns = netns;
  }

  get socketPath(): string {
    return this.env.IPAMD_GRPC_SOCKET!;
  }

  get checkpointPath(): string {
    return this.env.AWS_VPC_K8S_CNI_BACKING_STORE!;
  }

  /**
   * Spawns a daemon (one log file per run) without waiting for it. `extraEnv` adds to the node's
   * environment; a variable given as '' is removed (e.g. to drop a bind address).
   */
  spawn(extraEnv: Record<string, string> = {}): DaemonProcess {
    const logPath = join(this.dir, `ipamd-${this.daemons.length + 1}.log`);
    const env: Record<string, string> = {
      ...this.env,
      AWS_VPC_K8S_CNI_LOG_FILE: logPath,
      ...extraEnv,
    };
    for (const [key, value] of Object.entries(env)) if (value === '') delete env[key];
    const daemon = new DaemonProcess(
      env,
      logPath,
      env.IPAMD_GRPC_SOCKET ?? this.socketPath,
      this.netns,
    );
    this.daemons.push(daemon);
    return daemon;
  }

  /** Spawns a daemon and waits until it serves. */
  start(extraEnv: Record<string, string> = {}): Promise<DaemonProcess> {
    return this.spawn(extraEnv).ready();
  }

  /**
   * The checkpoint as a restart reads it: the snapshot (throws if it is not a valid
   * vpc-cni-ipam/1 file) with the journal's commits after it.
   */
  checkpoint(): { version: string; allocations: { ip: string; containerID: string }[] } {
    const journal = journalPath(this.checkpointPath);
    const { state } = combineCheckpoint(
      this.checkpointPath,
      readFileSync(this.checkpointPath, 'utf8'),
      existsSync(journal) ? readFileSync(journal) : undefined,
    );
    return {
      version: state?.version ?? '',
      allocations: (state?.allocations ?? []).map(({ entry }) => ({
        ip: entry.ipv4,
        containerID: entry.containerID,
      })),
    };
  }

  /** The snapshot alone, decoded as the reference reads it (without the journal). */
  snapshot(): { version: string; allocations: { ip: string; containerID: string }[] } {
    const decoded = decodeCheckpoint(readFileSync(this.checkpointPath, 'utf8'));
    return {
      version: decoded.version,
      allocations: decoded.allocations.map(({ entry }) => ({
        ip: entry.ipv4,
        containerID: entry.containerID,
      })),
    };
  }

  /** ENIs attached to this instance as EC2 sees them. */
  async ec2Enis(): Promise<NetworkInterface[]> {
    const out = await this.world.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'attachment.instance-id', Values: [this.instance.instanceId] }],
      }),
    );
    return out.NetworkInterfaces ?? [];
  }

  /** ENIs of the VPC that are not attached to anything ('available'). */
  async leakedEnis(): Promise<NetworkInterface[]> {
    const out = await this.world.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: 'vpc-id', Values: [this.world.region.vpcId] },
          { Name: 'status', Values: ['available'] },
        ],
      }),
    );
    return out.NetworkInterfaces ?? [];
  }

  /** Secondary IPs and prefixes per attached ENI, in /v1/enis CIDR form. */
  async ec2Cidrs(): Promise<Map<string, string[]>> {
    return new Map(
      (await this.ec2Enis()).map((eni) => [
        eni.NetworkInterfaceId ?? '',
        [
          ...(eni.PrivateIpAddresses ?? [])
            .filter((a) => !a.Primary)
            .map((a) => `${a.PrivateIpAddress}/32`),
          ...(eni.Ipv4Prefixes ?? []).map((p) => p.Ipv4Prefix ?? ''),
        ].sort(),
      ]),
    );
  }

  /** Creates an ENI in the instance's subnet and attaches it at `deviceIndex`; returns its ID. */
  async attachNewEni(
    deviceIndex: number,
    input: Partial<CreateNetworkInterfaceCommandInput> = {},
  ): Promise<string> {
    const created = await this.world.ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: this.instance.subnetId, ...input }),
    );
    const eniId = created.NetworkInterface?.NetworkInterfaceId;
    if (!eniId) throw new Error('CreateNetworkInterface answered no ID');
    await this.world.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eniId,
        InstanceId: this.instance.instanceId,
        DeviceIndex: deviceIndex,
      }),
    );
    await waitFor(`${eniId} to be attached`, async () => {
      const eni = (await this.ec2Enis()).find((e) => e.NetworkInterfaceId === eniId);
      return eni?.Attachment?.Status === 'attached' ? true : undefined;
    });
    return eniId;
  }

  async assignSecondaryIps(eniId: string, count: number): Promise<string[]> {
    const out = await this.world.ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eniId,
        SecondaryPrivateIpAddressCount: count,
      }),
    );
    return (out.AssignedPrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress ?? '');
  }

  async cleanup(): Promise<void> {
    for (const daemon of this.daemons) {
      daemon.closeClient();
      if (daemon.running) await daemon.kill();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---- the world: a region and its nodes --------------------------------------------------------

export class World {
  readonly region: SimulatedRegion;
  readonly ec2: EC2Client;
  private readonly nodes: TestNode[] = [];

  private constructor(region: SimulatedRegion) {
    this.region = region;
    this.ec2 = ec2For(region);
  }

  /** A region with latency 'none' unless the test asks for more. */
  static async start(options: SimOptions = {}): Promise<World> {
    return new World(await startSimulatedRegion({ latency: 'none', ...options }));
  }

  /** Launches an instance and gives it a fresh state directory. */
  async node(
    options: {
      instanceType?: string;
      subnetId?: string;
      env?: Record<string, string>;
      /** Run its daemons in this network namespace. */
      netns?: string;
    } = {},
  ): Promise<TestNode> {
    const instance = await this.region.launchInstance({
      instanceType: options.instanceType ?? 'm5.large',
      ...(options.subnetId ? { subnetId: options.subnetId } : {}),
    });
    // Short: a Unix socket path must stay under 108 bytes.
    const dir = mkdtempSync(join(tmpdir(), 'ipamd-it-'));
    const node = new TestNode(this, instance, dir, options.env ?? {}, options.netns);
    this.nodes.push(node);
    return node;
  }

  /** EC2 calls of `action` so far (all instances of the region). */
  calls(action: string): number {
    return this.region.counters().actions[action]?.calls ?? 0;
  }

  /** Kills every daemon, removes every directory, closes the region. Safe to call twice. */
  async close(): Promise<void> {
    const nodes = this.nodes.splice(0);
    const failures: unknown[] = [];
    for (const node of nodes) await node.cleanup().catch((error: unknown) => failures.push(error));
    this.ec2.destroy();
    await this.region.close().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw new AggregateError(failures, 'cleanup failed');
  }
}

/** Sends every request at once and resolves with all replies (or errors) in request order. */
export function burst<T>(
  count: number,
  send: (i: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(Array.from({ length: count }, (_, i) => send(i)));
}

/** Runs `body` with a fresh region and always closes it (daemons killed, directories removed). */
export async function withWorld<T>(
  options: SimOptions,
  body: (world: World) => Promise<T>,
): Promise<T> {
  const world = await World.start(options);
  try {
    return await body(world);
  } finally {
    await world.close();
  }
}
