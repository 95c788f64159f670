import type { EniPlacementFacts } from '../../ipam/eni/eni-config.ts';
import type { CreatedEni, EniPlacement, EniPlacementChoice } from '../eni-placement.ts';
import { PlacementUnavailableError } from '../eni-placement.ts';
import type { NodeLiveFacts } from '../node-facts.ts';
import type { DesiredEniConfig, DesiredEniConfigState } from './desired-eni-config.ts';

/**
 * Where new ENIs go under custom networking (the reference's docs/eni-custom-network.md): the
 * subnet and security groups of the node's ENIConfig, read at the moment the ENI is placed — so
 * a changed label, annotation or ENIConfig applies to the next ENI at once. An ENIConfig without
 * security groups means the primary ENI's. No usable ENIConfig → no new ENI.
 */
export class EniConfigPlacement implements EniPlacement {
  private readonly desired: DesiredEniConfig;
  private readonly node: { readonly live: Pick<NodeLiveFacts, 'securityGroupIds'> };
  private readonly created: (eni: CreatedEni) => void;

  constructor(deps: {
    desired: DesiredEniConfig;
    node: { readonly live: Pick<NodeLiveFacts, 'securityGroupIds'> };
    /** Told of every ENI placed (the convergence tracks where each ENI is). */
    created: (eni: CreatedEni) => void;
  }) {
    this.desired = deps.desired;
    this.node = deps.node;
    this.created = deps.created;
  }

  async placeNewEni(): Promise<EniPlacementChoice> {
    const wanted = wantedPlacement(this.desired.current(), this.node);
    if (!wanted.ok) throw new PlacementUnavailableError(wanted.reason);
    return {
      subnets: [{ subnetId: wanted.placement.subnetId }],
      securityGroupIds: wanted.placement.securityGroupIds,
    };
  }

  eniCreated(eni: CreatedEni): void {
    this.created(eni);
  }
}

/** Where a new ENI goes for this desired state: the ENIConfig's subnet and groups. */
export function wantedPlacement(
  state: DesiredEniConfigState,
  node: { readonly live: Pick<NodeLiveFacts, 'securityGroupIds'> },
):
  | { readonly ok: true; readonly placement: EniPlacementFacts }
  | { readonly ok: false; readonly reason: string } {
  if (state.state !== 'ready') return { ok: false, reason: state.reason };
  const groups = state.spec.securityGroupIds;
  return {
    ok: true,
    placement: {
      subnetId: state.spec.subnetId,
      securityGroupIds: groups.length > 0 ? groups : node.live.securityGroupIds,
    },
  };
}
