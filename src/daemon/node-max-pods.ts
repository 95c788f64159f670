import type { InstanceTypeInfo } from '../ipam/instance-limits.ts';
import {
  calculatedMaxPods,
  decideMaxPods,
  type MaxPodsDecision,
  type MaxPodsSettings,
  servableMaxPods,
} from '../ipam/max-pods.ts';
import { WarmPoolPolicy } from '../ipam/warm-pool/warm-pool-policy.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import type { CardPool } from './card-pool.ts';
import type { NodeInfo } from './kubernetes-ports.ts';
import type { NodeFacts } from './node-facts.ts';

export interface NodeMaxPodsDeps {
  readonly typeInfo: InstanceTypeInfo;
  readonly instanceType: string;
  readonly settings: MaxPodsSettings;
  /** A fixed value (`plan --max-pods`, tests): neither kubelet nor the calculator is asked. */
  readonly override: number | undefined;
  readonly nodeInfo: NodeInfo | undefined;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
}

/** `/v1/max-pods` (ours). */
export interface MaxPodsView {
  readonly maxPods: number;
  readonly source: MaxPodsDecision['source'];
  readonly servable: number;
  readonly calculated: number;
  readonly kubeletCapacity: number | null;
  readonly warning: string | null;
}

/**
 * The node's max pods, the cap on each card's total addresses: kubelet's capacity from the Node
 * when it is known (as the reference), else the max-pods calculator's value. Follows the Node:
 * when kubelet's capacity changes, every card's warm-pool policy gets the new cap and the pools
 * are woken. Warns once per value when kubelet allows more pods than the node can serve.
 */
export class NodeMaxPods {
  private readonly deps: NodeMaxPodsDeps;
  private readonly calculated: number;
  private readonly servable: number;
  private decision: MaxPodsDecision;
  private warned: number | undefined;

  constructor(deps: NodeMaxPodsDeps) {
    this.deps = deps;
    this.calculated = calculatedMaxPods(deps.typeInfo, deps.instanceType, deps.settings);
    this.servable = servableMaxPods(deps.typeInfo, deps.settings);
    this.decision = this.decide();
    this.report();
  }

  get value(): number {
    return this.decision.value;
  }

  /** Keeps the node's cap and every card's policy in line with the Node object from now on. */
  follow(node: NodeFacts, pools: readonly CardPool[], wake: (pool: CardPool) => void): void {
    this.deps.nodeInfo?.onChange(() => {
      const next = this.decide();
      if (next.value === this.decision.value && next.source === this.decision.source) return;
      this.deps.logger.info(
        { from: this.decision.value, to: next.value, source: next.source },
        'max pods changed',
      );
      this.decision = next;
      node.live.maxPods = next.value;
      for (const pool of pools) {
        pool.policy = new WarmPoolPolicy({ ...pool.settings, maxPods: next.value });
        wake(pool);
      }
      this.report();
    });
  }

  view(): MaxPodsView {
    return {
      maxPods: this.decision.value,
      source: this.decision.source,
      servable: this.servable,
      calculated: this.calculated,
      kubeletCapacity: this.deps.nodeInfo?.current()?.capacityPods ?? null,
      warning: this.decision.warning ?? null,
    };
  }

  private decide(): MaxPodsDecision {
    if (this.deps.override !== undefined) {
      return {
        value: this.deps.override,
        source: 'flag',
        servable: this.servable,
        warning: undefined,
      };
    }
    return decideMaxPods({
      kubeletCapacity: this.deps.nodeInfo?.current()?.capacityPods,
      calculated: this.calculated,
      servable: this.servable,
    });
  }

  private report(): void {
    const { metrics, logger } = this.deps;
    const { value, source, warning } = this.decision;
    metrics.maxPods.reset();
    metrics.maxPods.set({ source }, value);
    metrics.maxPodsServable.set(this.servable);
    if (warning && this.warned !== value) {
      this.warned = value;
      logger.warn({ maxPods: value, servable: this.servable }, warning);
    }
  }
}
