import type { LatencyModel, LatencyProfileName, LatencyRange } from './api.ts';
import type { SeededRandom } from './random.ts';

const ZERO: LatencyRange = { minMs: 0, maxMs: 0 };

/**
 * The named latency profiles. 'realistic' follows what EC2 is observed to do
 * (the reference's docs/eni-and-ip-target.md, upstream #608): ENI create + attach up to ~10 s,
 * detach 2–3 s before a delete can succeed, Describe* a few hundred ms.
 */
export const LATENCY_PROFILES: Readonly<Record<LatencyProfileName, LatencyModel>> = {
  none: { defaultAction: ZERO, attach: ZERO, detach: ZERO },
  fast: {
    defaultAction: { minMs: 1, maxMs: 3 },
    attach: { minMs: 5, maxMs: 20 },
    detach: { minMs: 5, maxMs: 20 },
  },
  realistic: {
    defaultAction: { minMs: 150, maxMs: 400 },
    actions: {
      CreateNetworkInterface: { minMs: 300, maxMs: 800 },
      AttachNetworkInterface: { minMs: 200, maxMs: 500 },
      DetachNetworkInterface: { minMs: 200, maxMs: 400 },
      DeleteNetworkInterface: { minMs: 200, maxMs: 500 },
      AssignPrivateIpAddresses: { minMs: 200, maxMs: 600 },
      UnassignPrivateIpAddresses: { minMs: 200, maxMs: 500 },
      ModifyNetworkInterfaceAttribute: { minMs: 150, maxMs: 400 },
      CreateTags: { minMs: 100, maxMs: 250 },
      DeleteTags: { minMs: 100, maxMs: 250 },
      DescribeNetworkInterfaces: { minMs: 100, maxMs: 300 },
      DescribeInstances: { minMs: 100, maxMs: 300 },
      DescribeSubnets: { minMs: 100, maxMs: 300 },
      DescribeSecurityGroups: { minMs: 100, maxMs: 300 },
      DescribeInstanceTypes: { minMs: 100, maxMs: 300 },
    },
    attach: { minMs: 2000, maxMs: 8000 },
    detach: { minMs: 2000, maxMs: 3000 },
  },
};

export function resolveLatencyModel(
  latency: LatencyProfileName | LatencyModel | undefined,
): LatencyModel {
  if (latency === undefined) return LATENCY_PROFILES.fast;
  if (typeof latency === 'string') {
    const model = LATENCY_PROFILES[latency];
    if (!model)
      throw new RangeError(`unknown latency profile '${latency}' (none, fast, realistic)`);
    return model;
  }
  return latency;
}

/** Draws response and transition latencies (whole ms) from a model. */
export class LatencySampler {
  readonly model: LatencyModel;
  private readonly random: SeededRandom;

  constructor(model: LatencyModel, random: SeededRandom) {
    this.model = model;
    this.random = random;
  }

  /** Time the server spends before answering one call of `action`. */
  action(action: string): number {
    return this.draw(this.model.actions?.[action] ?? this.model.defaultAction);
  }

  /** attaching → attached. */
  attach(): number {
    return this.draw(this.model.attach);
  }

  /** detaching → available. */
  detach(): number {
    return this.draw(this.model.detach);
  }

  private draw(range: LatencyRange): number {
    if (range.maxMs <= 0) return 0;
    return Math.round(this.random.between(Math.max(0, range.minMs), range.maxMs));
  }
}
