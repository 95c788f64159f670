import type { Config } from '../../config/types.ts';
import { normaliseIpv4Cidr, parseIpv4 } from '../../ipam/cidr.ts';
import {
  type BuiltinChainRules,
  COMMENT,
  CONNMARK_CHAIN,
  type OwnedChain,
  SNAT_CHAIN,
  type SnatRuleSet,
} from './rule-set.ts';
import { quoteIptablesWord } from './rule-text.ts';

/**
 * The desired SNAT, connmark and node-port rules of the reference's SetupHostNetwork (the layout
 * its TestSetupHostNetworkWithExcludeSNATCIDRs pins) for one configuration. Pure: no I/O, same
 * input → same output.
 */

export type SnatConfig = Pick<
  Config,
  | 'externalSnat'
  | 'excludeSnatCidrs'
  | 'randomizeSnat'
  | 'nodePortSupport'
  | 'connmark'
  | 'vethPrefix'
>;

export interface IptablesCapabilities {
  /** iptables knows SNAT --random-fully (≥ 1.6.2). */
  readonly randomFully: boolean;
}

export interface SnatInput {
  readonly config: SnatConfig;
  /** The VPC's IPv4 CIDR blocks (primary and secondary), as IMDS lists them. */
  readonly vpcCidrs: readonly string[];
  /** Name of the link that carries the primary ENI (found by its MAC). */
  readonly primaryInterface: string;
  /** Primary private IPv4 address of the primary ENI: the SNAT source. */
  readonly primaryIp: string;
  readonly capabilities: IptablesCapabilities;
}

function comment(text: string): string {
  return `-m comment --comment ${quoteIptablesWord(text)}`;
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/**
 * `-d <cidr> ` or nothing for 0.0.0.0/0: iptables drops a match-everything destination when it
 * prints a rule, so writing it would never compare equal to what is installed.
 */
function destination(cidr: string): string {
  return cidr === '0.0.0.0/0' ? '' : `-d ${cidr} `;
}

function normaliseAll(cidrs: readonly string[], what: string, warnings: string[]): string[] {
  const out: string[] = [];
  for (const text of cidrs) {
    const cidr = normaliseIpv4Cidr(text.trim());
    if (cidr === undefined) {
      warnings.push(`ignoring ${what} '${text}': not an IPv4 CIDR`);
    } else if (!out.includes(cidr)) {
      out.push(cidr);
    }
  }
  return out;
}

function snatTarget(input: SnatInput, warnings: string[]): string {
  const base = `-j SNAT --to-source ${input.primaryIp}`;
  switch (input.config.randomizeSnat) {
    case 'none':
      return base;
    case 'hashrandom':
      return `${base} --random`;
    case 'prng':
      if (input.capabilities.randomFully) return `${base} --random-fully`;
      warnings.push('iptables lacks SNAT --random-fully; using --random instead');
      return `${base} --random`;
  }
}

export function renderSnatRules(input: SnatInput): SnatRuleSet {
  const { config } = input;
  if (parseIpv4(input.primaryIp) === undefined) {
    throw new Error(`primary IP '${input.primaryIp}' is not an IPv4 address`);
  }
  if (!/^[^\s"'\\]+$/.test(input.primaryInterface)) {
    throw new Error(`primary interface name '${input.primaryInterface}' is not usable`);
  }
  const warnings: string[] = [];
  const vpcCidrs = normaliseAll(input.vpcCidrs, 'VPC CIDR', warnings);
  // The reference ignores the exclusions altogether when an external device does the SNAT.
  const exclusions = config.externalSnat
    ? []
    : normaliseAll(config.excludeSnatCidrs, 'SNAT exclusion CIDR', warnings);
  const snatOn = !config.externalSnat;
  const mark = hex(config.connmark);
  const veth = `${config.vethPrefix}+`;
  const restoreMark = `-j CONNMARK --restore-mark --nfmask ${mark} --ctmask ${mark}`;

  const snatChain: OwnedChain = {
    table: 'nat',
    chain: SNAT_CHAIN,
    // Kept (empty) with external SNAT like the reference, so a toggle back finds it in place.
    present: true,
    unordered: snatOn
      ? [
          ...vpcCidrs.map((c) => `${destination(c)}${comment(COMMENT.snatReturn)} -j RETURN`),
          ...exclusions.map((c) => `${destination(c)}${comment(COMMENT.snatExclusion)} -j RETURN`),
        ]
      : [],
    ...(snatOn
      ? {
          terminal: `! -o vlan+ ${comment(COMMENT.snat)} -m addrtype ! --dst-type LOCAL ${snatTarget(input, warnings)}`,
        }
      : {}),
  };

  const connmarkReturns = [...new Set([...vpcCidrs, ...exclusions])].map(
    (c) => `${destination(c)}${comment(COMMENT.connmarkReturn)} -j RETURN`,
  );
  const connmarkChain: OwnedChain = snatOn
    ? {
        table: 'nat',
        chain: CONNMARK_CHAIN,
        present: true,
        unordered: connmarkReturns,
        terminal: `${comment(COMMENT.connmark)} -j CONNMARK --set-xmark ${mark}/${mark}`,
      }
    : { table: 'nat', chain: CONNMARK_CHAIN, present: false, unordered: [] };

  const postrouting: BuiltinChainRules = {
    table: 'nat',
    chain: 'POSTROUTING',
    rules: snatOn ? [`${comment(COMMENT.snatJump)} -j ${SNAT_CHAIN}`] : [],
  };
  const natPrerouting: BuiltinChainRules = {
    table: 'nat',
    chain: 'PREROUTING',
    rules: snatOn
      ? [
          `-i ${veth} ${comment(COMMENT.connmarkJump)} -j ${CONNMARK_CHAIN}`,
          `${comment(COMMENT.connmark)} ${restoreMark}`,
        ]
      : [],
  };
  const manglePrerouting: BuiltinChainRules = {
    table: 'mangle',
    chain: 'PREROUTING',
    rules: [
      ...(config.nodePortSupport
        ? [
            `-i ${input.primaryInterface} ${comment(COMMENT.primaryEni)} -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark ${mark}/${mark}`,
          ]
        : []),
      ...(config.nodePortSupport || snatOn
        ? [`-i ${veth} ${comment(COMMENT.primaryEni)} ${restoreMark}`]
        : []),
      ...(config.nodePortSupport ? [`-i vlan+ ${comment(COMMENT.primaryEni)} ${restoreMark}`] : []),
    ],
  };

  return {
    ownedChains: [snatChain, connmarkChain],
    builtinChains: [manglePrerouting, natPrerouting, postrouting],
    warnings,
  };
}
