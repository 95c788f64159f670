import * as grpc from '@grpc/grpc-js';
import type { Config } from '../config/types.ts';
import { isDatastoreError } from '../ipam/datastore-errors.ts';
import type { Assignment, Unassignment } from '../ipam/datastore-types.ts';
import type { IpamKey, IpamMetadata } from '../ipam/ipam-key.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import {
  type AddNetworkReply,
  type AddNetworkRequest,
  type DelNetworkReply,
  type DelNetworkRequest,
  emptyAddReply,
  emptyDelReply,
  type IPAllocationMetadata,
  type NetworkPolicyAgentConfigReply,
} from '../rpc/messages.ts';
import { type PodNetworkService, RpcError } from '../rpc/server.ts';
import type { CardPool } from './card-pool.ts';
import type { NodeFacts } from './node-facts.ts';
import type { WakeReason } from './pool-manager.ts';
import type { Scheduler } from './scheduler.ts';

/** The reference's DelNetwork error for an unknown pod (Go multierror text); old plugins match on it. */
export const UNKNOWN_POD_ERROR = '1 error occurred:\n\t* datastore: unknown pod\n\n';
/** An emptied CIDR of a subnet-excluded ENI leaves the datastore this much later (spec §5.4). */
const EXCLUDED_CIDR_DROP_DELAY_MS = 5_000;

export interface PodNetworkDeps {
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
}

interface Placed {
  readonly pool: CardPool;
  readonly assignment: Assignment;
}

/**
 * AddNetwork / DelNetwork / GetNetworkPolicyConfigs (spec/ipamd.md §8). Every reply is sent only
 * after the checkpoint write holding its change has landed; a failed write undoes the change and
 * fails the call, as the reference does.
 */
export class PodNetwork implements PodNetworkService {
  private readonly deps: PodNetworkDeps;

  constructor(deps: PodNetworkDeps) {
    this.deps = deps;
  }

  /**
   * `signal` aborts when the caller is gone (the plugin's deadline passed or it exited): an ADD
   * still waiting for capacity then gives up instead of taking an address later, which nobody
   * would ever DEL (the plugin's failed ADD is followed by a DEL that already found nothing).
   */
  async addNetwork(request: AddNetworkRequest, signal?: AbortSignal): Promise<AddNetworkReply> {
    const { config, logger, metrics, pools } = this.deps;
    const failure = (reason: string): AddNetworkReply => {
      logger.warn(
        { pod: podName(request), containerID: request.ContainerID, reason },
        'AddNetwork failed',
      );
      return emptyAddReply();
    };
    if (request.ContainerID === '' || request.IfName === '' || request.NetworkName === '') {
      return failure('ContainerID, IfName and NetworkName are required');
    }
    if (request.RequiresMultiNICAttachment && !config.enableMultiNic) {
      return failure('the pod asks for multi-NIC attachment but ENABLE_MULTI_NIC is off');
    }
    const required = request.RequiresMultiNICAttachment ? pools.length : 1;
    const key: IpamKey = {
      networkName: request.NetworkName,
      containerID: request.ContainerID,
      ifName: request.IfName,
    };
    const metadata: IpamMetadata = {
      k8sPodNamespace: request.K8S_POD_NAMESPACE,
      k8sPodName: request.K8S_POD_NAME,
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
        pod: podName(request),
        containerID: request.ContainerID,
        ips: placed.map((p) => p.assignment.ip),
      },
      'AddNetwork assigned',
    );
    return {
      ...emptyAddReply(),
      Success: true,
      IPAllocationMetadata: placed.map((p) => allocationMetadata(p.assignment)),
      UseExternalSNAT: config.externalSnat,
      VPCv4CIDRs: [
        ...this.deps.node.live.vpcCidrs,
        ...(config.externalSnat ? [] : config.excludeSnatCidrs),
      ],
      NetworkPolicyMode: config.networkPolicyMode,
    };
  }

  async delNetwork(request: DelNetworkRequest): Promise<DelNetworkReply> {
    const { config, logger } = this.deps;
    const key: IpamKey = {
      networkName: request.NetworkName,
      containerID: request.ContainerID,
      ifName: request.IfName,
    };
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
        { pod: podName(request), containerID: request.ContainerID },
        'DelNetwork: unknown pod',
      );
      throw new RpcError(grpc.status.UNKNOWN, UNKNOWN_POD_ERROR);
    }
    const committed = await this.commit(released.map((r) => r.pool));
    if (!committed.ok) {
      for (const r of released) r.pool.datastore.undoUnassign(r.unassignment);
      throw new RpcError(grpc.status.INTERNAL, `checkpoint write failed: ${committed.error}`);
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
        pod: podName(request),
        containerID: request.ContainerID,
        reason: request.Reason,
        ips: released.map((r) => r.unassignment.ip),
      },
      'DelNetwork released',
    );
    return {
      ...emptyDelReply(),
      Success: true,
      IPAllocationMetadata: released.map((r) => allocationMetadata(r.unassignment)),
      NetworkPolicyMode: config.networkPolicyMode,
    };
  }

  networkPolicyConfigs(): NetworkPolicyAgentConfigReply {
    const { config, node } = this.deps;
    return {
      NetworkPolicyMode: config.networkPolicyMode,
      MultiNICEnabled: config.enableMultiNic,
      NodeIPv4: node.primaryIp,
      NodeIPv6: '',
      InstanceID: node.instanceId,
      Region: node.region,
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

function podName(request: { K8S_POD_NAMESPACE: string; K8S_POD_NAME: string }): string {
  return `${request.K8S_POD_NAMESPACE}/${request.K8S_POD_NAME}`;
}

function allocationMetadata(a: {
  ip: string;
  deviceNumber: number;
  routeTableId: number;
}): IPAllocationMetadata {
  return {
    IPv4Addr: a.ip,
    IPv6Addr: '',
    DeviceNumber: a.deviceNumber,
    RouteTableId: a.routeTableId,
  };
}
