/**
 * A whole node in network namespaces for the CNI plugin's end-to-end tests: a simulated region
 * whose ENI attachments create stand-in veth links (the ENI's MAC) in a "node" namespace, the
 * daemon running inside that namespace with host networking on, and `dist/aws-cni` executed there
 * the way the runtime executes it. Only namespaces this file creates receive any change.
 *
 * The simulator listens on this process's loopback, which the node namespace cannot reach; a
 * small forwarder in the node namespace carries EC2, IMDS and introspection traffic over Unix
 * sockets, which both namespaces see.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../../src/config/load-config.ts';
import { awsConflist } from '../../../src/install/aws-conflist.ts';
import type { EnisIntrospection } from '../../../src/ipam/datastore-view.ts';
import type { EniAttachmentEvent } from '../../../src/sim/api.ts';
import {
  type DaemonProcess,
  diesWithThisProcess,
  type TestNode,
  World,
  waitFor,
} from '../daemon/harness.ts';
import type { NetnsLab } from '../host/netns-lab.ts';

const REPO = resolve(import.meta.dirname, '../../..');
export const PLUGIN = join(REPO, 'dist/aws-cni');
const FORWARDER = join(import.meta.dirname, 'forwarder.mjs');
/** The node namespace is private, so the reference's default port is free there. */
const INTROSPECTION_PORT = 61679;

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly containerId: string;
  /** `/var/run/netns/<name>`, or '' (the runtime's second DEL). */
  readonly netns: string;
  /** The namespace's name, for `ip netns exec`. */
  readonly nsName: string;
  readonly ifName?: string;
}

export interface PluginRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed, when it is JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** A pod's result as the reference prints it, the parts tests read. */
export interface AddResult {
  readonly interfaces: { name: string; mac?: string; sandbox?: string }[];
  readonly ips: { address: string; interface?: number; gateway?: string }[];
}

function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  input: string,
): Promise<PluginRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolvePromise({ code, stdout, stderr, json });
    });
    child.stdin.end(input);
  });
}

/** Pipes every connection on a Unix socket to a TCP port of this process's loopback. */
function unixToLoopback(path: string, port: number): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolvePromise(server));
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** The first host address of a subnet: the VPC router, as EC2 reserves it. */
function gatewayOf(cidr: string): string {
  const [base] = cidr.split('/');
  const octets = base!.split('.').map(Number);
  octets[3]! += 1;
  return octets.join('.');
}

export class CniNode {
  readonly lab: NetnsLab;
  readonly nodeNs: string;
  readonly vpcNs: string;
  readonly world: World;
  readonly node: TestNode;
  private readonly bridges: Server[] = [];
  private forwarder: ChildProcess | undefined;
  private podCount = 0;

  private constructor(lab: NetnsLab, nodeNs: string, vpcNs: string, world: World, node: TestNode) {
    this.lab = lab;
    this.nodeNs = nodeNs;
    this.vpcNs = vpcNs;
    this.world = world;
    this.node = node;
  }

  /**
   * The node namespace, its region and instance, the forwarder; no daemon yet (`startDaemon`).
   * `env` adds to the daemon's environment.
   */
  static async create(
    lab: NetnsLab,
    options: { instanceType?: string; env?: Record<string, string> } = {},
  ): Promise<CniNode> {
    const nodeNs = await lab.create('node');
    const vpcNs = await lab.create('vpc');
    await lab.sysctl(nodeNs, 'net/ipv4/ip_forward', '1');
    const world = await World.start({
      onEniAttached: (event) => attachLink(lab, nodeNs, vpcNs, event),
      onEniDetached: (event) => detachLink(lab, nodeNs, event),
    });
    try {
      const node = await world.node({
        instanceType: options.instanceType ?? 'm5.large',
        netns: nodeNs,
        env: {
          DISABLE_HOST_NETWORKING: 'false',
          INTROSPECTION_BIND_ADDRESS: `127.0.0.1:${INTROSPECTION_PORT}`,
          ...options.env,
        },
      });
      const cniNode = new CniNode(lab, nodeNs, vpcNs, world, node);
      await cniNode.bridge();
      return cniNode;
    } catch (error) {
      await world.close();
      throw error;
    }
  }

  private async bridge(): Promise<void> {
    const ec2Port = portOf(this.world.region.ec2Endpoint);
    const imdsPort = portOf(this.node.instance.imdsEndpoint);
    const ec2Sock = join(this.node.dir, 'ec2.sock');
    const imdsSock = join(this.node.dir, 'imds.sock');
    this.bridges.push(await unixToLoopback(ec2Sock, ec2Port));
    this.bridges.push(await unixToLoopback(imdsSock, imdsPort));
    const pairs = [
      `tcp:127.0.0.1:${ec2Port}=unix:${ec2Sock}`,
      `tcp:127.0.0.1:${imdsPort}=unix:${imdsSock}`,
      `unix:${this.introspectionSocket}=tcp:127.0.0.1:${INTROSPECTION_PORT}`,
    ];
    const inNode = ['ip', 'netns', 'exec', this.nodeNs, process.execPath, FORWARDER, ...pairs];
    const command = diesWithThisProcess(inNode);
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.forwarder = child;
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    await waitFor('the forwarder in the node namespace', () => {
      if (child.exitCode !== null) throw new Error(`forwarder exited: ${output}`);
      return output.includes('ready') ? true : undefined;
    });
  }

  private get introspectionSocket(): string {
    return join(this.node.dir, 'introspection.sock');
  }

  /** Starts the daemon in the node namespace and waits until it serves. */
  startDaemon(env: Record<string, string> = {}): Promise<DaemonProcess> {
    return this.node.start(env);
  }

  get pluginLog(): string {
    return join(this.node.dir, 'plugin.log');
  }

  /** The network configuration the runtime would pass (what our conflist renders). */
  netconf(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      cniVersion: '1.0.0',
      name: 'aws-cni',
      type: 'aws-cni',
      vethPrefix: 'eni',
      mtu: '9001',
      podSGEnforcingMode: 'strict',
      pluginLogFile: this.pluginLog,
      pluginLogLevel: 'Debug',
      ipamdSocket: this.node.socketPath,
      ...overrides,
    };
  }

  /**
   * The conflist a runtime on this node reads: the repository's 10-aws.conflist rendered from the
   * daemon's settings (this node's plugin log, Debug), pointed at this node's ipamd socket.
   */
  conflist(): Record<string, unknown> {
    const { config } = loadConfig({
      ...this.node.env,
      AWS_VPC_K8S_PLUGIN_LOG_FILE: this.pluginLog,
      AWS_VPC_K8S_PLUGIN_LOG_LEVEL: 'Debug',
    });
    const list = awsConflist(config) as { plugins: Record<string, unknown>[] };
    const [ours, ...chained] = list.plugins;
    return { ...list, plugins: [{ ...ours, ipamdSocket: this.node.socketPath }, ...chained] };
  }

  /** A fresh pod namespace (loopback up) and its identity. */
  async newPod(name?: string): Promise<PodRef> {
    const ns = await this.lab.create('pod');
    this.podCount++;
    return {
      namespace: 'default',
      name: name ?? `pod-${this.podCount}`,
      containerId: `sandbox-${this.podCount}-${process.pid}`,
      netns: `/var/run/netns/${ns}`,
      nsName: ns,
    };
  }

  /**
   * Runs dist/aws-cni in the node namespace as the runtime does. `path` replaces its PATH;
   * `enter: 'nsenter'` enters only the network namespace, leaving /sys the machine's (as a
   * runtime that has its own network namespace but not its own sysfs would).
   */
  plugin(
    command: string,
    pod: PodRef,
    config: Record<string, unknown> = this.netconf(),
    options: { path?: string; enter?: 'ip-netns-exec' | 'nsenter' } = {},
  ): Promise<PluginRun> {
    const path = options.path ?? process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';
    const env: Record<string, string> = {
      PATH: path,
      CNI_COMMAND: command,
      CNI_CONTAINERID: pod.containerId,
      CNI_NETNS: pod.netns,
      CNI_IFNAME: pod.ifName ?? 'eth0',
      CNI_PATH: '/usr/lib/cni',
      CNI_ARGS: [
        'IgnoreUnknown=1',
        `K8S_POD_NAMESPACE=${pod.namespace}`,
        `K8S_POD_NAME=${pod.name}`,
        `K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`,
        `K8S_POD_UID=uid-${pod.name}`,
      ].join(';'),
    };
    const [command0, ...args] =
      options.enter === 'nsenter'
        ? ['nsenter', `--net=/var/run/netns/${this.nodeNs}`, PLUGIN]
        : ['ip', 'netns', 'exec', this.nodeNs, PLUGIN];
    return run(command0!, args, env, JSON.stringify(config));
  }

  /** ADD that must succeed; returns the result. */
  async add(pod: PodRef, config?: Record<string, unknown>): Promise<AddResult> {
    const result = await this.plugin('ADD', pod, config);
    if (result.code !== 0) {
      throw new Error(`ADD ${pod.name} failed (${result.code}): ${result.stdout}${result.stderr}`);
    }
    return result.json as unknown as AddResult;
  }

  /** GET on the daemon's introspection server (in the node namespace). */
  introspect(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolvePromise, reject) => {
      const request = httpRequest({ socketPath: this.introspectionSocket, path }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, body }));
      });
      request.once('error', reject);
      request.end();
    });
  }

  /** Pod addresses the daemon holds, by `namespace/name` (from /v1/enis). */
  async assigned(): Promise<Map<string, string>> {
    const answer = await this.introspect('/v1/enis');
    if (answer.status !== 200) throw new Error(`/v1/enis answered ${answer.status}`);
    const byPod = new Map<string, string>();
    for (const card of Object.values(JSON.parse(answer.body) as EnisIntrospection)) {
      for (const eni of Object.values(card.ENIs)) {
        for (const cidr of Object.values(eni.AvailableIPv4Cidrs)) {
          for (const address of Object.values(cidr.IPAddresses)) {
            const { k8sPodNamespace, k8sPodName } = address.IPAMMetadata;
            if (k8sPodName) byPod.set(`${k8sPodNamespace}/${k8sPodName}`, address.Address);
          }
        }
      }
    }
    return byPod;
  }

  /** Durable allocations of this node (checkpoint and journal), by container ID. */
  checkpointed(): Map<string, string> {
    return new Map(this.node.checkpoint().allocations.map((a) => [a.containerID, a.ip]));
  }

  /**
   * What pods own on the host: their rules (512, 1536) and their routes through host veths. The
   * daemon's own ENI rules and routes are left out; the warm pool may add an ENI at any moment.
   */
  async podHostState(): Promise<string[]> {
    const rules = (await this.ip('-4', 'rule', 'show'))
      .split('\n')
      .filter((line) => /^(512|1536):/.test(line));
    const routes = (await this.ip('-4', 'route', 'show', 'table', 'all'))
      .split('\n')
      .filter((line) => / dev eni/.test(line));
    return [...rules, ...routes];
  }

  /** `ip <args>` in the node namespace, stdout. */
  async ip(...args: string[]): Promise<string> {
    return (await this.lab.ip(this.nodeNs, ...args)).stdout;
  }

  pluginLogText(): string {
    return existsSync(this.pluginLog) ? readFileSync(this.pluginLog, 'utf8') : '';
  }

  async close(): Promise<void> {
    this.forwarder?.kill('SIGKILL');
    for (const server of this.bridges.splice(0)) server.close();
    await this.world.close();
  }
}

function linkName(event: EniAttachmentEvent): string {
  return `eth${event.deviceIndex}`;
}

async function attachLink(
  lab: NetnsLab,
  nodeNs: string,
  vpcNs: string,
  event: EniAttachmentEvent,
): Promise<void> {
  const link = linkName(event);
  const peer = `r${event.deviceIndex}`;
  await lab.veth(nodeNs, link, vpcNs, peer, event.macAddress);
  await lab.ip(vpcNs, 'link', 'set', peer, 'up');
  if (event.deviceIndex !== 0) return;
  // The primary ENI is configured by the instance's own boot, not by the daemon.
  const prefixLength = event.subnetCidr.split('/')[1];
  await lab.ip(nodeNs, 'addr', 'add', `${event.primaryIp}/${prefixLength}`, 'dev', link);
  await lab.ip(nodeNs, 'link', 'set', link, 'up');
  const gateway = gatewayOf(event.subnetCidr);
  await lab.ip(nodeNs, 'route', 'add', 'default', 'via', gateway, 'dev', link);
}

async function detachLink(lab: NetnsLab, nodeNs: string, event: EniAttachmentEvent): Promise<void> {
  await lab.ip(nodeNs, 'link', 'del', linkName(event)).catch(() => undefined);
}
