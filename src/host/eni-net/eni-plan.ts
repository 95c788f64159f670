import { formatIpv4, parseIpv4Cidr } from '../../ipam/cidr.ts';
import {
  type IpAddress,
  type IpLink,
  type IpRoute,
  type IpRule,
  isPlainRule,
  PROTO_KERNEL,
  ruleWords,
  SCOPE_LINK,
} from './ip-json.ts';

/**
 * What a secondary ENI's link, addresses, routes and rule must look like
 * (the reference's SetupENINetwork), as the ip(8) commands that get there from a given
 * state. Pure; an empty list means the ENI is set up.
 */

export const ENI_RULE_PRIORITY = 32765;

export interface EniTarget {
  /** ENI primary IPv4 address. */
  readonly ip: string;
  /** Its subnet, e.g. 10.0.1.0/24. */
  readonly subnet: string;
  readonly tableId: number;
  readonly mtu: number;
  /** Trunk ENIs carry no `from <ip>` rule. */
  readonly rule: boolean;
}

export interface EniState {
  readonly link: IpLink;
  /** IPv4 addresses on the link. */
  readonly addresses: readonly IpAddress[];
  /** Routes in the ENI's table. */
  readonly tableRoutes: readonly IpRoute[];
  /** Routes in main. */
  readonly mainRoutes: readonly IpRoute[];
  readonly rules: readonly IpRule[];
}

/** Subnet base + 1, the VPC router. */
export function subnetGateway(subnet: string): string {
  const cidr = parseIpv4Cidr(subnet);
  if (!cidr) throw new Error(`subnet '${subnet}' is not an IPv4 CIDR`);
  return formatIpv4(cidr.network + 1);
}

export function planEniSetup(state: EniState, target: EniTarget): string[] {
  const dev = state.link.name;
  const cidr = parseIpv4Cidr(target.subnet);
  if (!cidr) throw new Error(`subnet '${target.subnet}' is not an IPv4 CIDR`);
  const subnet = `${formatIpv4(cidr.network)}/${cidr.bits}`;
  const gateway = formatIpv4(cidr.network + 1);
  const lines: string[] = [];

  if (state.link.mtu !== target.mtu) lines.push(`link set dev ${dev} mtu ${target.mtu}`);
  if (!state.link.up) lines.push(`link set dev ${dev} up`);

  let haveAddress = false;
  for (const a of state.addresses) {
    if (a.dev !== dev) continue;
    if (a.local === target.ip && a.prefixLength === cidr.bits && !haveAddress) {
      haveAddress = true;
    } else {
      lines.push(`addr del ${a.local}/${a.prefixLength} dev ${dev}`);
    }
  }
  if (!haveAddress) lines.push(`addr add ${target.ip}/${cidr.bits} dev ${dev}`);

  // The gateway route first: the default route's next hop is only valid once it exists.
  const gwRoute = state.tableRoutes.some(
    (r) =>
      r.dst === `${gateway}/32` &&
      r.dev === dev &&
      r.gateway === undefined &&
      r.scope === SCOPE_LINK &&
      r.type === undefined,
  );
  if (!gwRoute)
    lines.push(`route replace ${gateway}/32 dev ${dev} scope link table ${target.tableId}`);
  const defaultRoute = state.tableRoutes.some(
    (r) =>
      r.dst === '0.0.0.0/0' &&
      r.gateway === gateway &&
      r.dev === dev &&
      (r.metric ?? 0) === 0 &&
      r.type === undefined,
  );
  if (!defaultRoute) {
    lines.push(`route replace default via ${gateway} dev ${dev} table ${target.tableId}`);
  }

  // The kernel's connected route would send the ENI subnet out of this ENI for everyone.
  for (const r of state.mainRoutes) {
    if (
      r.dst === subnet &&
      r.dev === dev &&
      r.protocol === PROTO_KERNEL &&
      r.gateway === undefined
    ) {
      lines.push(`route del ${subnet} dev ${dev} proto kernel scope link table main`);
    }
  }

  if (target.rule) {
    const src = `${target.ip}/32`;
    let kept = false;
    for (const rule of state.rules) {
      if (rule.priority !== ENI_RULE_PRIORITY || rule.src !== src || !isPlainRule(rule)) continue;
      if (
        !kept &&
        rule.table === target.tableId &&
        rule.dst === undefined &&
        rule.fwmark === undefined
      ) {
        kept = true;
      } else {
        lines.push(`rule del ${ruleWords(rule)}`);
      }
    }
    if (!kept) {
      lines.push(
        `rule add ${ruleWords({ priority: ENI_RULE_PRIORITY, src, table: target.tableId })}`,
      );
    }
  }
  return lines;
}

/**
 * The table of an ENI. For cards > 0 an existing `from <ip>` rule from an earlier numbering is
 * kept, as in the reference: one rule → its table; several → the legacy-numbered one if known.
 */
export function chooseEniTable(
  rules: readonly IpRule[],
  ip: string,
  computed: number,
  networkCard: number,
  legacyTableId?: number,
): number {
  if (networkCard === 0) return computed;
  const tables = rules
    .filter(
      (r) => r.priority === ENI_RULE_PRIORITY && r.src === `${ip}/32` && r.table !== undefined,
    )
    .map((r) => r.table!);
  const distinct = [...new Set(tables)];
  if (distinct.length === 1) return distinct[0]!;
  if (distinct.length > 1 && legacyTableId !== undefined && distinct.includes(legacyTableId)) {
    return legacyTableId;
  }
  return computed;
}

export interface EniTeardownState {
  readonly rules: readonly IpRule[];
  /** The ENI's link when it is still there (detached ENIs take it with them). */
  readonly link?: IpLink;
  readonly addresses: readonly IpAddress[];
  /** Routes of every table the ENI used. */
  readonly tableRoutes: readonly IpRoute[];
}

/**
 * Undoes planEniSetup: every rule whose source is the ENI's primary IP (as tryFreeENI does) and,
 * if the link is still present, its routes in the ENI's tables and its primary address.
 * Nothing that belongs to another link or another source is touched.
 */
export function planEniTeardown(state: EniTeardownState, ip: string): string[] {
  const lines: string[] = [];
  for (const rule of state.rules) {
    if (rule.src === `${ip}/32` && rule.extra.length === 0)
      lines.push(`rule del ${ruleWords(rule)}`);
  }
  const dev = state.link?.name;
  if (dev === undefined) return lines;
  for (const r of state.tableRoutes) {
    if (r.dev !== dev || r.type !== undefined) continue;
    const via = r.gateway === undefined ? '' : ` via ${r.gateway}`;
    lines.push(`route del ${r.dst}${via} dev ${dev} table ${r.table}`);
  }
  for (const a of state.addresses) {
    if (a.dev === dev && a.local === ip)
      lines.push(`addr del ${a.local}/${a.prefixLength} dev ${dev}`);
  }
  return lines;
}
