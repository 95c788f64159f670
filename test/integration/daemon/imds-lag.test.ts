import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeNetworkInterfacesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import type { CardPool } from '../../../src/daemon/card-pool.ts';
import { type RunningDaemon, runDaemon } from '../../../src/daemon/run-daemon.ts';
import { VirtualScheduler } from '../../../src/daemon/scheduler.ts';
import { IpamdClient } from '../../../src/rpc/client.ts';
import type { SimInstance, SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2For } from '../sim/helpers.ts';
import {
  addRequest,
  cidrsByEni,
  delRequest,
  type EnisView,
  httpGet,
  ipOf,
  Metrics,
  waitFor,
} from './harness.ts';

/**
 * IMDS lags EC2 (upstream #1967, #3019, #3887): reconcile must neither drop
 * an address a pod holds because IMDS does not list it yet, nor put back an address just given
 * back to EC2 because IMDS still lists it.
 *
 * Why this test runs the daemon in-process on virtual time, unlike the rest of this directory:
 * reconcile runs only after 60 s without a pool action (lastNodeIPPoolAction), i.e. at least 60 s
 * after the change whose IMDS lag matters. A child process would make the test wait over a
 * minute per reconcile. So the daemon (production wiring: runDaemon, the real SDK over HTTP, the
 * real gRPC socket) gets a VirtualScheduler, the region shares its clock, and the test moves time;
 * reconcile is still started by the daemon's own 5 s pool tick. For reconcile to see a stale IMDS
 * at least 60 s after a change, the lag must be longer than that: 90 s of simulated time.
 */

const IMDS_LAG_MS = 90_000;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

interface Rig {
  readonly region: SimulatedRegion;
  readonly instance: SimInstance;
  readonly scheduler: VirtualScheduler;
  readonly daemon: RunningDaemon;
  readonly client: IpamdClient;
  readonly dir: string;
  readonly pool: CardPool;
  /** Moves simulated time by `ms` and waits for the reconcile the pool tick starts. */
  reconcileAfter(ms: number): Promise<void>;
  enis(): EnisView;
  metrics(): Promise<Metrics>;
  log(): string;
}

async function startRig(env: Record<string, string>): Promise<Rig> {
  const scheduler = new VirtualScheduler();
  const region = await startSimulatedRegion({
    latency: 'none',
    imdsLagMs: IMDS_LAG_MS,
    clock: scheduler.clock,
    buckets: 'off',
  });
  const instance = await region.launchInstance({ instanceType: 'm5.large' });
  const dir = mkdtempSync(join(tmpdir(), 'ipamd-lag-'));
  // The SDK's default credential chain reads these from the process environment.
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = 'sim';
  process.env.AWS_SECRET_ACCESS_KEY = 'sim';
  let daemon: RunningDaemon | undefined;
  let client: IpamdClient | undefined;
  cleanup = async () => {
    client?.close();
    await daemon?.stop();
    await region.close();
    rmSync(dir, { recursive: true, force: true });
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  };
  daemon = await runDaemon({
    scheduler,
    env: {
      AWS_EC2_ENDPOINT: region.ec2Endpoint,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: instance.imdsEndpoint,
      AWS_REGION: region.region,
      DISABLE_HOST_NETWORKING: 'true',
      DISABLE_LEAKED_ENI_CLEANUP: 'true',
      IPAMD_GRPC_SOCKET: join(dir, 'ipamd.sock'),
      AWS_VPC_K8S_CNI_BACKING_STORE: join(dir, 'ipam.json'),
      AWS_VPC_K8S_CNI_LOG_FILE: join(dir, 'ipamd.log'),
      METRICS_BIND_ADDRESS: '127.0.0.1:0',
      INTROSPECTION_BIND_ADDRESS: '127.0.0.1:0',
      ...env,
    },
  });
  const running = daemon;
  client = new IpamdClient(join(dir, 'ipamd.sock'));
  const pool = running.ipamd.pools[0];
  if (!pool) throw new Error('no card 0');

  // Observe the reconciles the daemon's own tick starts, to know when one has finished.
  const reconciles: Promise<void>[] = [];
  const reconciler = running.ipamd.reconciler;
  const original = reconciler.reconcile.bind(reconciler);
  reconciler.reconcile = (pools, force) => {
    const run = original(pools, force);
    reconciles.push(run);
    return run;
  };

  return {
    region,
    instance,
    scheduler,
    daemon: running,
    client,
    dir,
    pool,
    async reconcileAfter(ms) {
      const before = reconciles.length;
      const quietSince = pool.lastPoolActionAt;
      scheduler.advance(ms);
      // Wrapped: waitFor would otherwise await the reconcile itself and see its `undefined`.
      const started = await waitFor('the pool tick to start a reconcile', () =>
        reconciles.length > before ? { run: reconciles[before] } : undefined,
      );
      await started.run;
      // It was due (60 s without a pool action) and ran: it stamps the pool.
      expect(pool.lastPoolActionAt).toBeGreaterThan(quietSince);
    },
    enis: () => running.ipamd.introspectEnis(),
    async metrics() {
      return new Metrics((await httpGet(running.metricsAddress ?? '', '/metrics')).body);
    },
    log: () => readLog(join(dir, 'ipamd.log')),
  };
}

function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** What this instance's IMDS lists right now for the MAC of `eniId`, via IMDSv2 over HTTP. */
async function imdsIps(rig: Rig, eniId: string): Promise<string[] | undefined> {
  const base = rig.instance.imdsEndpoint;
  const token = await (
    await fetch(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' },
    })
  ).text();
  const get = async (path: string) => {
    const res = await fetch(`${base}/latest/meta-data/${path}`, {
      headers: { 'x-aws-ec2-metadata-token': token },
    });
    return res.ok ? (await res.text()).trim() : undefined;
  };
  const macs = (await get('network/interfaces/macs/'))?.split('\n') ?? [];
  for (const mac of macs) {
    const id = await get(`network/interfaces/macs/${mac.replace(/\/$/, '')}/interface-id`);
    if (id !== eniId) continue;
    const ips = await get(`network/interfaces/macs/${mac.replace(/\/$/, '')}/local-ipv4s`);
    return ips?.split('\n').slice(1) ?? [];
  }
  return undefined;
}

/** The secondary IPs EC2 lists on `eniId` now. */
async function ec2Ips(rig: Rig, eniId: string): Promise<string[]> {
  const ec2 = ec2For(rig.region);
  try {
    const out = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }),
    );
    return (out.NetworkInterfaces?.[0]?.PrivateIpAddresses ?? [])
      .filter((a) => !a.Primary)
      .map((a) => a.PrivateIpAddress ?? '');
  } finally {
    ec2.destroy();
  }
}

describe('IMDS lag', () => {
  it('reconcile keeps addresses IMDS does not list yet and does not re-add released ones it still lists', async () => {
    // W=2: the pool grows by what is short and gives back what is over, so DELs cause releases.
    const rig = await startRig({ WARM_IP_TARGET: '2', IP_COOLDOWN_PERIOD: '30' });
    const primary = rig.instance.primaryEniId;
    const { client } = rig;

    // 12 pods at t≈0: the primary fills to 9 and a second ENI is created; W=2 keeps 2 free:
    // 14 addresses. EC2 has all of it now, IMDS will show it only at t≈90 s.
    const pods = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      pods.set(`pod-${i}`, ipOf(await client.addNetwork(addRequest(`pod-${i}`))));
    }
    await waitFor('the pool to reach 14', () =>
      rig.enis()['0']?.TotalIPs === 14 ? true : undefined,
    );
    const grown = cidrsByEni(rig.enis());
    expect(grown.size).toBe(2);
    const secondEni = [...grown.keys()].find((id) => id !== primary) ?? '';
    expect(await imdsIps(rig, secondEni)).toBeUndefined();
    expect(await imdsIps(rig, primary)).toEqual([]);

    // t≈61 s: the first reconcile sees IMDS without the second ENI and without any of the
    // primary's secondaries. EC2 says they are all there: nothing is dropped.
    await rig.reconcileAfter(61_000);
    expect(await imdsIps(rig, secondEni)).toBeUndefined();
    // The log file is written asynchronously: wait for the line rather than read it at once.
    await waitFor('the reconcile to log that it keeps the ENI', () =>
      rig.log().includes('IMDS does not list the ENI yet, EC2 has it attached; keeping it')
        ? true
        : undefined,
    );
    expect(cidrsByEni(rig.enis())).toEqual(grown);
    for (const [name, ip] of pods) expect(ipOf(await client.addNetwork(addRequest(name)))).toBe(ip);
    expect(existsSync(join(rig.dir, 'ipam.json.dropped'))).toBe(false);
    let metrics = await rig.metrics();
    expect(metrics.sum('awscni_reconcile_count', { fn: 'eniIPPoolReconcileDel' })).toBe(0);
    expect(metrics.sum('awscni_reconcile_count', { fn: 'eniReconcileDel' })).toBe(0);
    expect(metrics.sum('awscni_force_removed_ips')).toBe(0);

    // t≈101 s: IMDS has caught up. A pod on the primary goes; W=2 means 1 over. The address that
    // just became free is cooling: reactive mode keeps it (the reference would release it at
    // once, letting EC2 hand it to another node inside the cooldown) and releases another free
    // address instead (docs/compat.md).
    rig.scheduler.advance(40_000);
    expect(await imdsIps(rig, primary)).toHaveLength(9);
    const onPrimary = new Set(grown.get(primary)?.map((c) => c.replace('/32', '')));
    const [leaving, cooling] = [...pods].find(([, ip]) => onPrimary.has(ip)) ?? ['', ''];
    const before = new Set([...(await ec2Ips(rig, primary)), ...(await ec2Ips(rig, secondEni))]);
    expect((await client.delNetwork(delRequest(leaving))).Success).toBe(true);
    pods.delete(leaving);
    const released = await waitFor('an address to be released to EC2', async () => {
      const now = new Set([...(await ec2Ips(rig, primary)), ...(await ec2Ips(rig, secondEni))]);
      return [...before].find((ip) => !now.has(ip));
    });
    expect(released).not.toBe(cooling);
    expect(await ec2Ips(rig, primary)).toContain(cooling);
    expect(rig.enis()['0']?.TotalIPs).toBe(13);
    const releasedFrom = (await imdsIps(rig, primary))?.includes(released) ? primary : secondEni;
    // IMDS still lists it (until t≈191 s).
    expect(await imdsIps(rig, releasedFrom)).toContain(released);

    // t≈162 s: past the 60 s reconcile cooldown of the released address, IMDS still stale.
    // Reconcile asks EC2, which no longer has it: it stays out of the pool.
    await rig.reconcileAfter(61_000);
    expect(await imdsIps(rig, releasedFrom)).toContain(released);
    const after = rig.enis();
    expect([...cidrsByEni(after).values()].flat()).not.toContain(`${released}/32`);
    expect(after['0']?.TotalIPs).toBe(13);
    metrics = await rig.metrics();
    expect(metrics.sum('awscni_reconcile_count', { fn: 'eniDataStorePoolReconcileAdd' })).toBe(0);
    // New pods never get a released address; the others keep theirs.
    for (let i = 0; i < 4; i++) {
      expect(ipOf(await client.addNetwork(addRequest(`new-${i}`)))).not.toBe(released);
    }
    for (const [name, ip] of pods) expect(ipOf(await client.addNetwork(addRequest(name)))).toBe(ip);
    expect(existsSync(join(rig.dir, 'ipam.json.dropped'))).toBe(false);
  }, 60_000);
});
