/**
 * The desired iptables state of our SNAT / connmark / node-port rules, and what counts as
 * "ours" on a node. Rule texts are in the canonical form iptables-save prints, so desired and
 * current rules compare as plain strings on both the nf_tables and the legacy frontend.
 */

export type IptablesTable = 'nat' | 'mangle';

/** Tables in the order they are reconciled and printed. */
export const MANAGED_TABLES: readonly IptablesTable[] = ['mangle', 'nat'];

/** A chain that belongs to us entirely: every rule in it is ours. */
export interface OwnedChain {
  readonly table: IptablesTable;
  readonly chain: string;
  /** false: the chain must not exist (its rules and the chain itself are removed). */
  readonly present: boolean;
  /** Rules whose relative order does not matter (the RETURNs); missing ones go to the top. */
  readonly unordered: readonly string[];
  /** The rule that must stay last (SNAT, --set-xmark), if the chain has one. */
  readonly terminal?: string;
}

/**
 * Our rules inside a built-in chain that others share (kube-proxy, Calico, Docker). They must
 * appear in this relative order; other rules may sit between them and are never touched.
 * An empty list means: none of our rules may remain in this chain.
 */
export interface BuiltinChainRules {
  readonly table: IptablesTable;
  readonly chain: string;
  readonly rules: readonly string[];
}

export interface SnatRuleSet {
  readonly ownedChains: readonly OwnedChain[];
  readonly builtinChains: readonly BuiltinChainRules[];
  /** Things the renderer had to decide for the operator (e.g. --random-fully unsupported). */
  readonly warnings: readonly string[];
}

export const SNAT_CHAIN = 'AWS-SNAT-CHAIN-0';
export const CONNMARK_CHAIN = 'AWS-CONNMARK-CHAIN-0';

/**
 * Chains of ours and of every earlier layout of the reference (AWS-SNAT-CHAIN-1..N and
 * AWS-CONNMARK-CHAIN-1..N); any of them not wanted any more is removed.
 */
export const OWNED_CHAIN_PATTERN = /^AWS-(?:SNAT|CONNMARK)-CHAIN-\d+$/;

/**
 * Comments that mark our rules in shared built-in chains. "AWS SNAT CHAN" is the misspelt
 * comment of old reference versions' POSTROUTING jump.
 */
export const OWNED_COMMENTS: ReadonlySet<string> = new Set([
  'AWS SNAT CHAIN',
  'AWS SNAT CHAN',
  'AWS, outbound connections',
  'AWS, CONNMARK',
  'AWS, primary ENI',
]);

export const COMMENT = {
  snatJump: 'AWS SNAT CHAIN',
  snatReturn: 'AWS SNAT CHAIN',
  snatExclusion: 'AWS SNAT CHAIN EXCLUSION',
  snat: 'AWS, SNAT',
  connmarkJump: 'AWS, outbound connections',
  connmark: 'AWS, CONNMARK',
  connmarkReturn: 'AWS CONNMARK CHAIN',
  primaryEni: 'AWS, primary ENI',
} as const;
