import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { announceSkip, NetnsLab, netnsSupport } from '../host/netns-lab.ts';
import { connectFrom, startServer, type TcpServer } from '../host/tcp-probe.ts';
import { installCniDirs } from './cni-dirs.ts';
import { CniNode } from './cni-node.ts';
import { Containerd, ContainerdUnavailable, containerdMissing } from './containerd.ts';
import type { SandboxRequest, SandboxStatus } from './cri-client.ts';
import { buildPauseImage, pauseImageMissing } from './pause-image.ts';
import { type Invocation, invocations } from './plugin-log.ts';

/**
 * dist/aws-cni under a real container runtime: Debian's containerd runs pod sandboxes through its
 * CRI API, inside the test's "node" namespace, and calls the plugin from the repository's
 * 10-aws.conflist (chained with Debian's portmap) exactly as for kubelet's pods: CNI_ARGS with
 * the pod's identity, DEL with prevResult on stop, a second DEL without a netns on remove,
 * capitalised port mappings. The daemon serves it from the same namespace against the simulator.
 */

const support = netnsSupport();
announceSkip('CNI plugin under containerd');
const missing = support.ok ? containerdMissing() || pauseImageMissing() : '';

/** The longer test takes ~12 s here (2 cores, shared); half of this, on a loaded machine. */
const TEST_TIMEOUT_MS = 60_000;
const SANDBOXES = 11;

/** Set once containerd or runc proved unable to run here, so later tests skip at once. */
let unavailable = missing;

function skipLoudly(ctx: TestContext, reason: string): never {
  console.warn(`\n*** SKIPPING CNI plugin under containerd: ${reason}. ***\n`);
  return ctx.skip();
}

interface Sandbox {
  readonly request: SandboxRequest;
  readonly id: string;
  readonly status: SandboxStatus;
}

/** What a plugin run logged above debug level. */
function messages(run: Invocation): string[] {
  return run.entries.filter((entry) => entry.level !== 'debug').map((entry) => entry.msg);
}

/**
 * Stop's DEL (with the netns and prevResult) released each address; remove's second DEL
 * (CNI_NETNS empty) found nothing left to do and succeeded; no run logged a warning or an error.
 */
function expectDeletedAsKubeletDoes(node: CniNode, sandboxes: readonly Sandbox[]): void {
  const runs = invocations(node.pluginLogText());
  for (const { id } of sandboxes) {
    const dels = runs.filter((run) => run.command === 'DEL' && run.containerID === id);
    expect(
      dels.map((run) => [run.netns !== '', messages(run)]),
      id,
    ).toEqual([
      [true, ['released and torn down']],
      [false, ['ipamd does not know the pod: already deleted']],
    ]);
  }
  expect(
    runs.flatMap((run) => run.entries).filter((e) => e.level !== 'info' && e.level !== 'debug'),
  ).toEqual([]);
}

/** containerd in `netns` with the pause image built under `dir` and `conflist` installed. */
async function startContainerd(
  dir: string,
  netns: string,
  conflist: Record<string, unknown>,
): Promise<Containerd> {
  const imageDir = join(dir, 'image');
  const runtimeDir = join(dir, 'containerd');
  mkdirSync(imageDir);
  mkdirSync(runtimeDir);
  return Containerd.start({
    dir: runtimeDir,
    netns,
    cni: installCniDirs(join(dir, 'cni'), conflist),
    pauseImage: await buildPauseImage(imageDir),
  });
}

describe('the pause image', () => {
  it('is built only from a static busybox: the image holds no libc', () => {
    expect(pauseImageMissing('/nonexistent/busybox')).toBe(
      "missing /nonexistent/busybox (Debian's busybox-static)",
    );
    // Any dynamic executable stands for Debian's dynamic busybox package.
    expect(pauseImageMissing(process.execPath)).toBe(
      `${process.execPath} is not static (Debian's busybox-static is)`,
    );
  });
});

describe.skipIf(!support.ok)('aws-cni under containerd (CRI) in a node namespace', () => {
  const lab = new NetnsLab();
  const servers: TcpServer[] = [];
  let cni: CniNode | undefined;
  let containerd: Containerd | undefined;
  let scratch: string | undefined;

  afterEach(async () => {
    for (const server of servers.splice(0)) server.stop();
    await containerd?.close();
    containerd = undefined;
    await cni?.close();
    cni = undefined;
    await lab.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  /** The node with its daemon, and containerd beside it (or the test skips, saying why). */
  async function startNode(ctx: TestContext): Promise<{ node: CniNode; runtime: Containerd }> {
    if (unavailable) skipLoudly(ctx, unavailable);
    const dir = mkdtempSync(join(tmpdir(), 'vpc-ipamd-cri-'));
    scratch = dir;
    const node = await CniNode.create(lab);
    cni = node;
    await node.startDaemon();
    try {
      const runtime = await startContainerd(dir, node.nodeNs, node.conflist());
      containerd = runtime;
      return { node, runtime };
    } catch (error) {
      if (!(error instanceof ContainerdUnavailable)) throw error;
      unavailable = error.message;
      return skipLoudly(ctx, unavailable);
    }
  }

  async function runSandbox(runtime: Containerd, request: SandboxRequest): Promise<Sandbox> {
    let id: string;
    try {
      id = await runtime.cri.runSandbox(request);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- containerd ---\n${runtime.logTail()}`);
    }
    return { request, id, status: await runtime.cri.status(id) };
  }

  /** StopPodSandbox then RemovePodSandbox, as kubelet deletes a pod. */
  async function deleteSandbox(runtime: Containerd, sandbox: Sandbox): Promise<void> {
    await runtime.cri.stopSandbox(sandbox.id);
    await runtime.cri.removeSandbox(sandbox.id);
  }

  it(
    `${SANDBOXES} sandboxes each get their address from the daemon, two talk TCP; stop and remove free every address and leave no pod rule`,
    async (ctx) => {
      const { node, runtime } = await startNode(ctx);

      // Concurrent, as kubelet starts pods: more than the primary ENI holds, so the daemon's
      // warm pool attaches an ENI while some ADDs wait.
      const sandboxes = await Promise.all(
        Array.from({ length: SANDBOXES }, (_, i) =>
          runSandbox(runtime, { name: `pod-${i}`, namespace: 'default', uid: `uid-pod-${i}` }),
        ),
      );

      const assigned = await node.assigned();
      const durable = node.checkpointed();
      const ips = new Set<string>();
      for (const { request, id, status } of sandboxes) {
        expect(status.state).toBe('SANDBOX_READY');
        expect(status.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(assigned.get(`default/${request.name}`)).toBe(status.ip);
        // The runtime's sandbox ID is the CNI container ID the daemon keys the address by.
        expect(durable.get(id)).toBe(status.ip);
        ips.add(status.ip);
      }
      expect(ips.size).toBe(SANDBOXES);
      const rules = await node.ip('-4', 'rule', 'show');
      for (const ip of ips) expect(rules).toContain(`512:\tfrom all to ${ip} lookup main`);

      // One ADD per sandbox, keyed by the sandbox ID, each given its address by ipamd.
      const adds = invocations(node.pluginLogText()).filter((run) => run.command === 'ADD');
      expect(adds.map((run) => run.containerID).sort()).toEqual(
        sandboxes.map((sandbox) => sandbox.id).sort(),
      );
      for (const add of adds) expect(messages(add)).toContain('ipamd assigned');

      // TCP from a pod on the primary ENI to one on the ENI the warm pool attached (only those
      // have a `from` rule), entered through the namespaces containerd pinned.
      const offPrimary = (sandbox: Sandbox) =>
        rules.includes(`1536:\tfrom ${sandbox.status.ip} lookup`);
      const client = sandboxes.find((sandbox) => !offPrimary(sandbox));
      const server = sandboxes.find(offPrimary);
      if (!client || !server) throw new Error(`pods did not land on two ENIs:\n${rules}`);
      servers.push(
        await startServer(runtime.hostPath(server.status.netns), server.status.ip, 8080),
      );
      expect(await connectFrom(runtime.hostPath(client.status.netns), server.status.ip, 8080)).toBe(
        client.status.ip,
      );

      await Promise.all(sandboxes.map((sandbox) => deleteSandbox(runtime, sandbox)));

      const left = await node.assigned();
      const leftDurable = node.checkpointed();
      for (const { request, id } of sandboxes) {
        expect(left.has(`default/${request.name}`)).toBe(false);
        expect(leftDurable.has(id)).toBe(false);
      }
      expect(await node.podHostState()).toEqual([]);

      expectDeletedAsKubeletDoes(node, sandboxes);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'portmap chained after aws-cni: hostPort DNAT to the pod reaches its server from the node; stop and remove take the rules away',
    async (ctx) => {
      const { node, runtime } = await startNode(ctx);
      const hostPort = 30080;
      const containerPort = 8080;
      const sandbox = await runSandbox(runtime, {
        name: 'web',
        namespace: 'default',
        uid: 'uid-web',
        portMappings: [{ hostPort, containerPort }],
      });
      const podIp = sandbox.status.ip;
      expect((await node.assigned()).get('default/web')).toBe(podIp);

      // portmap's ADD got our result as prevResult: its DNAT names the pod's address.
      const nat = await iptablesNat(node);
      expect(nat).toMatch(/^-A CNI-HOSTPORT-DNAT /m);
      const dnat = nat.split('\n').filter((line) => line.includes(`${podIp}:${containerPort}`));
      expect(dnat.join('\n')).toMatch(new RegExp(`--dport ${hostPort} .*-j DNAT`));

      servers.push(await startServer(runtime.hostPath(sandbox.status.netns), podIp, containerPort));
      const nodeIp = node.node.instance.primaryIp;
      expect(await connectFrom(node.nodeNs, nodeIp, hostPort)).toBe(nodeIp);
      // "snat": true lets the node reach it on localhost too, masqueraded to the node's address.
      expect(await connectFrom(node.nodeNs, '127.0.0.1', hostPort)).toBe(nodeIp);

      await deleteSandbox(runtime, sandbox);
      const after = await iptablesNat(node);
      expect(after).not.toContain(podIp);
      expect(after).not.toContain(`--dport ${hostPort}`);
      expect((await node.assigned()).has('default/web')).toBe(false);
      expect(node.checkpointed().has(sandbox.id)).toBe(false);
      expect(await node.podHostState()).toEqual([]);
      expectDeletedAsKubeletDoes(node, [sandbox]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a containerd that cannot start is reported in its own words and leaves nothing behind',
    async (ctx) => {
      if (missing) skipLoudly(ctx, missing);
      const dir = mkdtempSync(join(tmpdir(), 'vpc-ipamd-cri-'));
      scratch = dir;
      const gone = `vpc-ipamd-absent-${process.pid}`;
      const failure = await startContainerd(dir, gone, {}).then(
        () => new Error('containerd started in a namespace that does not exist'),
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ContainerdUnavailable);
      expect((failure as Error).message).toMatch(
        new RegExp(`^containerd did not start: it exited \\(1\\): .*/var/run/netns/${gone}`, 's'),
      );
      expect(existsSync(join(dir, 'containerd'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  async function iptablesNat(node: CniNode): Promise<string> {
    return (await lab.exec(node.nodeNs, 'iptables', ['-t', 'nat', '-S'])).stdout;
  }
});
