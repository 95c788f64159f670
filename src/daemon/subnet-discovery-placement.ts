import type { Ec2Port } from '../aws/ec2-port.ts';
import { isEc2Error } from '../aws/errors.ts';
import type { Config } from '../config/types.ts';
import { isSubnetExcluded, subnetsForNewEni } from '../ipam/eni/subnets.ts';
import type { Logger } from '../observe/logger.ts';
import type { EniPlacement, EniPlacementChoice } from './eni-placement.ts';
import type { NodeFacts, NodeLiveFacts } from './node-facts.ts';

export interface SubnetDiscoveryPlacementDeps {
  readonly ec2: Pick<Ec2Port, 'describeSubnets'>;
  readonly config: Pick<Config, 'enableSubnetDiscovery' | 'clusterName'>;
  readonly node: Pick<NodeFacts, 'vpcId' | 'availabilityZone' | 'primarySubnetId'> & {
    readonly live: Pick<NodeLiveFacts, 'securityGroupIds'> & Partial<NodeLiveFacts>;
  };
  readonly logger: Logger;
}

/**
 * The reference's placement without custom networking (its `docs/subnet-discovery.md`): with
 * ENABLE_SUBNET_DISCOVERY, every valid subnet of the node's VPC and AZ, most free addresses first
 * (DescribeSubnets failing → the primary subnet); without it, the primary subnet unless it is
 * tagged out. Security groups are the primary ENI's, as IMDS last reported them.
 */
export class SubnetDiscoveryPlacement implements EniPlacement {
  private readonly deps: SubnetDiscoveryPlacementDeps;

  constructor(deps: SubnetDiscoveryPlacementDeps) {
    this.deps = deps;
  }

  async placeNewEni(): Promise<EniPlacementChoice> {
    return {
      subnets: await this.subnets(),
      securityGroupIds: this.deps.node.live.securityGroupIds,
    };
  }

  private async subnets(): Promise<EniPlacementChoice['subnets']> {
    const { ec2, config, node, logger } = this.deps;
    if (config.enableSubnetDiscovery) {
      try {
        const subnets = await ec2.describeSubnets({
          vpcId: node.vpcId,
          availabilityZone: node.availabilityZone,
        });
        const usable = subnetsForNewEni(subnets, {
          primarySubnetId: node.primarySubnetId,
          clusterName: config.clusterName,
        });
        if (usable.length === 0)
          throw new Error(
            `no valid subnet for a new ENI in ${node.vpcId}/${node.availabilityZone}`,
          );
        return usable.map((s) => ({ subnetId: s.subnetId, cidrBlock: s.cidrBlock }));
      } catch (error) {
        if (!isEc2Error(error)) throw error;
        logger.warn({ err: error }, 'DescribeSubnets failed; falling back to the primary subnet');
      }
    }
    // Without discovery only the primary subnet is used, unless it is tagged out; a failed lookup
    // here is not a reason to stop.
    try {
      const [primary] = await ec2.describeSubnets({ subnetIds: [node.primarySubnetId] });
      if (isSubnetExcluded(primary, config.clusterName)) {
        throw new Error(
          `the primary subnet ${node.primarySubnetId} is excluded from pod IPs and no other subnet is allowed`,
        );
      }
      if (primary) return [{ subnetId: primary.subnetId, cidrBlock: primary.cidrBlock }];
    } catch (error) {
      if (!isEc2Error(error)) throw error;
    }
    return [{ subnetId: node.primarySubnetId }];
  }
}
