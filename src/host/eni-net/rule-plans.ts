import { normaliseIpv4Cidr, parseIpv4 } from '../../ipam/cidr.ts';
import { type IpRule, isPlainRule, ruleWords, TABLE_LOCAL, TABLE_MAIN } from './ip-json.ts';

/**
 * The host-wide and per-pod ip rules ipamd owns (SetupHostNetwork, configureIPRulesForPods), each
 * as a pure plan from the current rule list to the ip(8) commands that converge it.
 */

export const POD_TO_PRIORITY = 512;
export const FWMARK_PRIORITY = 1024;
export const EXTERNAL_SERVICE_PRIORITY = 1535;
export const POD_FROM_PRIORITY = 1536;
export const LOCAL_RULE_PRIORITY = 20;

interface WantedRule {
  readonly priority: number;
  readonly src?: string;
  readonly dst?: string;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly table: number;
}

function same(rule: IpRule, want: WantedRule): boolean {
  return (
    isPlainRule(rule) &&
    rule.priority === want.priority &&
    rule.src === want.src &&
    rule.dst === want.dst &&
    rule.fwmark === want.fwmark &&
    (rule.fwmark === undefined || rule.fwmask === want.fwmask) &&
    rule.table === want.table
  );
}

/**
 * Converges the rules picked by `owns` to exactly `wanted` (no duplicates). Rules we do not
 * own are never deleted.
 */
function converge(
  rules: readonly IpRule[],
  owns: (rule: IpRule) => boolean,
  wanted: readonly WantedRule[],
): string[] {
  const deletes: string[] = [];
  const found = new Set<number>();
  for (const rule of rules) {
    if (!owns(rule)) continue;
    const i = wanted.findIndex((w, index) => !found.has(index) && same(rule, w));
    if (i >= 0) found.add(i);
    else deletes.push(`rule del ${ruleWords(rule)}`);
  }
  const adds = wanted.filter((_, i) => !found.has(i)).map((w) => `rule add ${ruleWords(w)}`);
  return [...deletes, ...adds];
}

function host(ip: string): string {
  if (parseIpv4(ip) === undefined) throw new Error(`'${ip}' is not an IPv4 address`);
  return `${ip}/32`;
}

/**
 * `fwmark <mark>/<mark> lookup main prio 1024`, present iff node-port support is on or SNAT is
 * done on the node. Rules at 1024 with another mark (an earlier AWS_VPC_K8S_CNI_CONNMARK) go.
 */
export function planFwmarkRule(rules: readonly IpRule[], mark: number, wanted: boolean): string[] {
  return converge(
    rules,
    (r) => r.priority === FWMARK_PRIORITY && r.fwmark !== undefined && r.table === TABLE_MAIN,
    wanted ? [{ priority: FWMARK_PRIORITY, fwmark: mark, fwmask: mark, table: TABLE_MAIN }] : [],
  );
}

/** `to <cidr> lookup main prio 1535` for each AWS_EXTERNAL_SERVICE_CIDRS entry, and no others. */
export function planExternalServiceRules(
  rules: readonly IpRule[],
  cidrs: readonly string[],
): string[] {
  const wanted = [...new Set(cidrs.map((c) => normaliseIpv4Cidr(c.trim())))]
    .filter((c): c is string => c !== undefined)
    .map((dst) => ({ priority: EXTERNAL_SERVICE_PRIORITY, dst, table: TABLE_MAIN }));
  return converge(
    rules,
    (r) =>
      r.priority === EXTERNAL_SERVICE_PRIORITY && r.table === TABLE_MAIN && r.src === undefined,
    wanted,
  );
}

/**
 * With security groups for pods in strict mode the VLAN rules (priority 10) must win over the
 * local table, so `lookup local` moves from priority 0 to 20: added first, then the old one
 * removed, so local delivery never lapses.
 */
export function planLocalRuleMove(rules: readonly IpRule[]): string[] {
  const isLocal = (r: IpRule) =>
    isPlainRule(r) &&
    r.table === TABLE_LOCAL &&
    r.src === undefined &&
    r.dst === undefined &&
    r.fwmark === undefined;
  const lines: string[] = [];
  if (!rules.some((r) => isLocal(r) && r.priority === LOCAL_RULE_PRIORITY)) {
    lines.push(`rule add prio ${LOCAL_RULE_PRIORITY} lookup ${TABLE_LOCAL}`);
  }
  for (const r of rules) {
    if (isLocal(r) && r.priority === 0) lines.push(`rule del prio 0 lookup ${TABLE_LOCAL}`);
  }
  return lines;
}

/** A pod address and the table its ENI routes through (254 = main, the primary ENI of card 0). */
export interface PodRoute {
  readonly ip: string;
  readonly routeTableId: number;
}

/**
 * Per restored pod: `to <ip> lookup main prio 512`, and for pods off the primary ENI exactly
 * one `from <ip> lookup <table> prio 1536`; every other plain `from <ip>` rule (duplicates,
 * other priorities of older versions, a stale table) is collapsed into it.
 */
export function planPodRules(rules: readonly IpRule[], pods: readonly PodRoute[]): string[] {
  const lines: string[] = [];
  for (const pod of pods) {
    const ip = host(pod.ip);
    lines.push(
      ...converge(
        rules,
        (r) => r.priority === POD_TO_PRIORITY && r.dst === ip && r.src === undefined,
        [{ priority: POD_TO_PRIORITY, dst: ip, table: TABLE_MAIN }],
      ),
      ...converge(
        rules,
        (r) =>
          r.src === ip && r.dst === undefined && r.fwmark === undefined && r.table !== TABLE_LOCAL,
        pod.routeTableId === TABLE_MAIN
          ? []
          : [{ priority: POD_FROM_PRIORITY, src: ip, table: pod.routeTableId }],
      ),
    );
  }
  return lines;
}

/** Every `to <ip> prio 512` (main) and `from <ip> prio 1536` (any table) rule of the given pods. */
export function planPodRulePrune(rules: readonly IpRule[], ips: readonly string[]): string[] {
  const lines: string[] = [];
  for (const raw of ips) {
    const ip = host(raw);
    lines.push(
      ...converge(
        rules,
        (r) =>
          (r.priority === POD_TO_PRIORITY && r.dst === ip && r.table === TABLE_MAIN) ||
          (r.priority === POD_FROM_PRIORITY && r.src === ip),
        [],
      ),
    );
  }
  return lines;
}
