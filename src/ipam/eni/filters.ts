/**
 * An EC2 Describe filter. Rules in core say which ENIs or subnets to look at in EC2's own
 * vocabulary; the EC2 port sends them as they are.
 */
export interface Ec2Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/** At least one filter: the type makes an unfiltered Describe impossible to ask for. */
export type Ec2Filters = readonly [Ec2Filter, ...Ec2Filter[]];
