import type { Config } from '../config/types.ts';
import { isDatastoreError } from '../ipam/datastore-errors.ts';
import type { Assignment, Unassignment } from '../ipam/datastore-types.ts';
import type { IpamKey, IpamMetadata } from '../ipam/ipam-key.ts';
import type {
  NetworkPolicyFacts,
  PodAddRequest,
  PodAddResult,
  PodAddress,
  PodDelRequest,
  PodDelResult,
  PodGcRequest,
  PodGcResult,
  PodName,
} from '../ipam/pod-allocation.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import type { CardPool } from './card-pool.ts';
import type { NodeFacts } from './node-facts.ts';
import type { WakeReason } from './pool-manager.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * An emptied CIDR of a subnet-excluded ENI leaves the datastore this much later (the reference's
 * `UnassignPodIPAddress` path for excluded ENIs).
 */
const EXCLUDED_CIDR_DROP_DELAY_MS = 5_000;
/** GC leaves an allocation younger than this alone: its ADD may not be in the runtime's list yet. */
export const GC_GRACE_MS = 60_000;

export interface PodAllocatorDeps {
  readonly config: Config;
  readonly node: NodeFacts;
  /** Managed cards in card order. */
  readonly pools: readonly CardPool[];
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
  readonly wakePool: (pool: CardPool, reason: WakeReason) => void;
  /** DEL of an address that came from a prefix while PD is off: give the ENI's unused prefixes back. */
  readonly releaseUnusedPrefixes: (pool: CardPool, eniId: string) => void;
  /** ANNOTATE_POD_IP: told of each pod's address after ADD and DEL; never fails either. */
  readonly podIps?: {
    assigned(pod: PodName, ip: string): void;
    released(pod: PodName, ip: string): void;
  };
}

interface Placed {
  readonly pool: CardPool;
  readonly assignment: Assignment;
}

/**
 * Gives pods their addresses and takes them back: the reference's ipamd `AddNetwork` and
 * `DelNetwork` without the transport. Every answer comes only after the checkpoint write holding
 * its change has landed; a failed write undoes the change and fails the call, as the reference
 * does.
 */
export class PodAllocator {
  private readonly deps: PodAllocatorDeps;

  constructor(deps: PodAllocatorDeps) {
    this.deps = deps;
  }

  /**
   * `signal` aborts when the caller is gone (the plugin's deadline passed or it exited): an ADD
   * still waiting for capacity then gives up instead of taking an address later, which nobody
   * would ever DEL (the plugin's failed ADD is followed by a DEL that already found nothing).
   */
  async add(request: PodAddRequest, signal?: AbortSignal): Promise<PodAddResult> {
    const { config, logger, metrics, pools } = this.deps;
    const { key } = request;
    const failure = (reason: string): PodAddResult => {
      logger.warn(
        { pod: podName(request.pod), containerID: key.containerID, reason },
        'AddNetwork failed',
      );
      return { ok: false, reason };
    };
    if (key.containerID === '' || key.ifName === '' || key.networkName === '') {
      return failure('ContainerID, IfName and NetworkName are required');
    }
    if (request.multiNic && !config.enableMultiNic) {
      return failure('the pod asks for multi-NIC attachment but ENABLE_MULTI_NIC is off');
    }
    const required = request.multiNic ? pools.length : 1;
    const metadata: IpamMetadata = {
      k8sPodNamespace: request.pod.namespace,
      k8sPodName: request.pod.name,
      interfacesCount: required,
    };

    const placed = this.place(key, metadata, required, []);
    if (placed.length < required && required === 1 && config.addWaitSeconds > 0) {
      await this.waitForCapacity(key, metadata, placed, signal);
      if (placed.length === 0 && signal?.aborted) {
        return failure('the caller cancelled the call while it waited for an address');
      }
    }
    if (placed.length < required) metrics.noAvailableIpAddresses.inc();

    // Whatever was placed must be durable before we answer, even on a partial multi-NIC failure
    // (those addresses stay until the plugin's DEL, as in the reference).
    const committed = await this.commit(placed.map((p) => p.pool));
    if (!committed.ok) {
      for (const p of placed) if (!p.assignment.existing) p.pool.datastore.undoAssign(p.assignment);
      return failure(`checkpoint write failed: ${committed.error}`);
    }
    for (const p of placed) if (!p.assignment.existing) this.deps.wakePool(p.pool, 'assign');
    if (placed.length < required) return failure('no available IP addresses');

    logger.info(
      {
        pod: podName(request.pod),
        containerID: key.containerID,
        netns: request.netns,
        ips: placed.map((p) => p.assignment.ip),
      },
      'AddNetwork assigned',
    );
    this.deps.podIps?.assigned(request.pod, placed[0]!.assignment.ip);
    return {
      ok: true,
      addresses: placed.map((p) => podAddress(p.assignment)),
      externalSnat: config.externalSnat,
      vpcIpv4Cidrs: [
        ...this.deps.node.live.vpcCidrs,
        ...(config.externalSnat ? [] : config.excludeSnatCidrs),
      ],
      networkPolicyMode: config.networkPolicyMode,
    };
  }

  async del(request: PodDelRequest): Promise<PodDelResult> {
    const { config, logger } = this.deps;
    const { key } = request;
    const released: { pool: CardPool; unassignment: Unassignment }[] = [];
    let expected = 1;
    for (const pool of this.deps.pools) {
      if (released.length >= expected) break;
      try {
        const unassignment = pool.datastore.unassign(key);
        released.push({ pool, unassignment });
        if (released.length === 1) expected = unassignment.interfacesCount;
      } catch (error) {
        if (!isDatastoreError(error, 'unknown-pod')) throw error;
      }
    }
    if (released.length === 0) {
      logger.info(
        { pod: podName(request.pod), containerID: key.containerID },
        'DelNetwork: unknown pod',
      );
      return { ok: false, failure: 'unknown-pod' };
    }
    const committed = await this.commit(released.map((r) => r.pool));
    if (!committed.ok) {
      for (const r of released) r.pool.datastore.undoUnassign(r.unassignment);
      return { ok: false, failure: 'checkpoint-failed', error: committed.error };
    }
    for (const { pool, unassignment } of released) {
      if (!config.enablePrefixDelegation && unassignment.isPrefix) {
        this.deps.releaseUnusedPrefixes(pool, unassignment.eniId);
      }
      if (unassignment.excludedCidrEmptied) {
        this.deps.scheduler.after(EXCLUDED_CIDR_DROP_DELAY_MS, () =>
          pool.datastore.dropEmptyExcludedCidr(unassignment.eniId, unassignment.cidr),
        );
      }
      this.deps.wakePool(pool, 'unassign');
    }
    logger.info(
      {
        pod: podName(request.pod),
        containerID: key.containerID,
        reason: request.reason,
        ips: released.map((r) => r.unassignment.ip),
      },
      'DelNetwork released',
    );
    this.deps.podIps?.released(request.pod, released[0]!.unassignment.ip);
    return {
      ok: true,
      released: released.map((r) => podAddress(r.unassignment)),
      networkPolicyMode: config.networkPolicyMode,
    };
  }

  /**
   * CNI 1.1 GC: releases every allocation of `networkName` whose (container ID, interface) is not
   * among the runtime's valid attachments — pods whose DEL never came (a runtime restarted, a
   * node rebooted with a stale checkpoint). An allocation younger than GC_GRACE_MS is kept: its
   * ADD may still be on its way to the runtime's records.
   */
  async gc(request: PodGcRequest): Promise<PodGcResult> {
    const { logger, scheduler } = this.deps;
    const valid = new Set(request.validAttachments.map((a) => `${a.containerID}\u0000${a.ifName}`));
    const oldest = scheduler.now() - GC_GRACE_MS;
    const released: { pool: CardPool; unassignment: Unassignment }[] = [];
    let keptRecent = 0;
    for (const pool of this.deps.pools) {
      for (const allocation of pool.datastore.allocations()) {
        const { key } = allocation;
        if (key.networkName !== request.networkName) continue;
        if (valid.has(`${key.containerID}\u0000${key.ifName}`)) continue;
        if (Number(allocation.assignedAtNs / 1_000_000n) > oldest) {
          keptRecent++;
          continue;
        }
        released.push({ pool, unassignment: pool.datastore.unassign(key) });
      }
    }
    if (released.length === 0) return { released: [], keptRecent };
    const committed = await this.commit(released.map((r) => r.pool));
    if (!committed.ok) {
      for (const r of released) r.pool.datastore.undoUnassign(r.unassignment);
      throw new Error(`checkpoint write failed: ${committed.error}`);
    }
    for (const pool of new Set(released.map((r) => r.pool))) this.deps.wakePool(pool, 'unassign');
    logger.info(
      {
        network: request.networkName,
        released: released.map((r) => ({
          containerID: r.unassignment.key.containerID,
          ifName: r.unassignment.key.ifName,
          ip: r.unassignment.ip,
        })),
        keptRecent,
      },
      'GC released allocations the runtime no longer has',
    );
    return { released: released.map((r) => podAddress(r.unassignment)), keptRecent };
  }

  networkPolicyFacts(): NetworkPolicyFacts {
    const { config, node } = this.deps;
    return {
      networkPolicyMode: config.networkPolicyMode,
      multiNicEnabled: config.enableMultiNic,
      nodeIpv4: node.primaryIp,
      nodeIpv6: '',
      instanceId: node.instanceId,
      region: node.region,
    };
  }

  /**
   * Assigns on the cards in order until `required` addresses are placed. A single-address pod
   * moves on to the next card when one is empty; a multi-NIC pod stops at the first failure.
   */
  private place(
    key: IpamKey,
    metadata: IpamMetadata,
    required: number,
    placed: Placed[],
  ): Placed[] {
    for (const pool of this.deps.pools) {
      if (placed.length >= required) break;
      if (placed.some((p) => p.pool === pool)) continue;
      try {
        placed.push({ pool, assignment: pool.datastore.assign(key, metadata) });
      } catch (error) {
        if (!isDatastoreError(error, 'no-available-ip')) throw error;
        if (required > 1) break;
      }
    }
    return placed;
  }

  /** Waits, bounded by ADD_WAIT_SECONDS, for addresses the pool manager is getting. */
  private async waitForCapacity(
    key: IpamKey,
    metadata: IpamMetadata,
    placed: Placed[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { scheduler, metrics, config } = this.deps;
    const pool = this.deps.pools[0];
    if (!pool) return;
    const started = scheduler.now();
    const deadline = started + config.addWaitSeconds * 1000;
    metrics.waitingAdds.inc();
    let outcome = 'timeout';
    try {
      for (;;) {
        const woken = pool.waiters.wait(deadline, signal);
        this.deps.wakePool(pool, 'empty_add');
        const reason = await woken;
        // The caller may have gone while the wake-up was on its way: never place for it then.
        if (reason === 'cancelled' || signal?.aborted) {
          outcome = 'cancelled';
          return;
        }
        this.place(key, metadata, 1, placed);
        if (placed.length > 0) {
          outcome = 'assigned';
          return;
        }
        if (reason !== 'capacity') {
          outcome = reason === 'noCapacity' ? 'no_capacity' : 'timeout';
          return;
        }
      }
    } finally {
      metrics.waitingAdds.dec();
      metrics.addWaitSeconds.observe({ outcome }, (scheduler.now() - started) / 1000);
    }
  }

  private async commit(
    pools: readonly CardPool[],
  ): Promise<{ ok: true } | { ok: false; error: string }> {
    const unique = [...new Set(pools)];
    const results = await Promise.allSettled(unique.map((pool) => pool.checkpoint.commit()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    return failed ? { ok: false, error: String(failed.reason) } : { ok: true };
  }
}

function podName(pod: PodName): string {
  return `${pod.namespace}/${pod.name}`;
}

function podAddress(a: { ip: string; deviceNumber: number; routeTableId: number }): PodAddress {
  return { ipv4: a.ip, deviceNumber: a.deviceNumber, routeTableId: a.routeTableId };
}
