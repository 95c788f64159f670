import { normaliseIpv4Cidr } from '../../ipam/cidr.ts';

/**
 * Typed views of `ip -json -N` output (links, IPv4 addresses, routes, rules). `-N` makes
 * tables, scopes and protocols numeric, so names from /etc/iproute2 never leak in.
 */

export const TABLE_MAIN = 254;
export const TABLE_LOCAL = 255;
export const SCOPE_LINK = 253;
export const PROTO_KERNEL = 2;

export interface IpLink {
  readonly name: string;
  readonly index: number;
  /** Lower-case MAC address. */
  readonly mac: string;
  readonly mtu: number;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
}

export interface IpAddress {
  readonly dev: string;
  readonly local: string;
  readonly prefixLength: number;
}

export interface IpRoute {
  /** Destination in CIDR form; 'default' becomes 0.0.0.0/0, a host route a.b.c.d/32. */
  readonly dst: string;
  readonly table: number;
  readonly dev?: string;
  readonly gateway?: string;
  /** 0 = universe, 253 = link, 254 = host. */
  readonly scope: number;
  readonly protocol?: number;
  readonly metric?: number;
  /** Route type other than unicast (local, broadcast, ...), numeric as printed. */
  readonly type?: string;
}

export interface IpRule {
  readonly priority: number;
  /** Source selector in CIDR form (a.b.c.d/32 for a host); undefined = all. */
  readonly src?: string;
  readonly dst?: string;
  /** Table number; undefined for rules with another action (goto, unreachable, ...). */
  readonly table?: number;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly iif?: string;
  readonly oif?: string;
  readonly not: boolean;
  /** Selectors this module does not model (tos, ipproto, uidrange, ...). */
  readonly extra: readonly string[];
}

type Json = Record<string, unknown>;

function parseArray(text: string): Json[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const value: unknown = JSON.parse(trimmed);
  if (!Array.isArray(value)) throw new Error('ip -json did not print an array');
  return value.filter((v): v is Json => typeof v === 'object' && v !== null);
}

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function num(o: Json, key: string): number | undefined {
  const v = o[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** 'all' → undefined; 'a.b.c.d' (+ optional length) → 'a.b.c.d/len'. */
function prefix(o: Json, addrKey: string, lenKey: string): string | undefined {
  const addr = str(o, addrKey);
  if (addr === undefined || addr === 'all' || addr === 'default') return undefined;
  const len = num(o, lenKey) ?? 32;
  return normaliseIpv4Cidr(`${addr}/${len}`) ?? `${addr}/${len}`;
}

export function parseLinks(text: string): IpLink[] {
  return parseArray(text).map((o) => ({
    name: str(o, 'ifname') ?? '',
    index: num(o, 'ifindex') ?? 0,
    mac: (str(o, 'address') ?? '').toLowerCase(),
    mtu: num(o, 'mtu') ?? 0,
    up: Array.isArray(o.flags) && o.flags.includes('UP'),
  }));
}

export function parseAddresses(text: string): IpAddress[] {
  const out: IpAddress[] = [];
  for (const link of parseArray(text)) {
    const dev = str(link, 'ifname') ?? '';
    const infos = Array.isArray(link.addr_info) ? link.addr_info : [];
    for (const info of infos) {
      if (typeof info !== 'object' || info === null) continue;
      const a = info as Json;
      if (str(a, 'family') !== 'inet') continue;
      const local = str(a, 'local');
      const len = num(a, 'prefixlen');
      if (local !== undefined && len !== undefined) out.push({ dev, local, prefixLength: len });
    }
  }
  return out;
}

export function parseRoutes(text: string, table?: number): IpRoute[] {
  return parseArray(text).map((o) => {
    const dst = str(o, 'dst') ?? '';
    const route: {
      -readonly [K in keyof IpRoute]: IpRoute[K];
    } = {
      dst:
        dst === 'default'
          ? '0.0.0.0/0'
          : (normaliseIpv4Cidr(dst.includes('/') ? dst : `${dst}/32`) ?? dst),
      // `ip route show table N` leaves the table out; `table all` leaves it out for main.
      table: num(o, 'table') ?? table ?? TABLE_MAIN,
      scope: num(o, 'scope') ?? 0,
    };
    const dev = str(o, 'dev');
    if (dev !== undefined) route.dev = dev;
    const gateway = str(o, 'gateway');
    if (gateway !== undefined) route.gateway = gateway;
    const protocol = num(o, 'protocol');
    if (protocol !== undefined) route.protocol = protocol;
    const metric = num(o, 'metric');
    if (metric !== undefined) route.metric = metric;
    const type = str(o, 'type');
    if (type !== undefined) route.type = type;
    return route;
  });
}

const RULE_KEYS = new Set([
  'priority',
  'src',
  'srclen',
  'dst',
  'dstlen',
  'table',
  'fwmark',
  'fwmask',
  'iif',
  'oif',
  'not',
  'protocol',
  'flags',
]);

export function parseRules(text: string): IpRule[] {
  return parseArray(text).map((o) => {
    const rule: { -readonly [K in keyof IpRule]: IpRule[K] } = {
      priority: num(o, 'priority') ?? 0,
      not: 'not' in o,
      extra: Object.keys(o).filter((k) => !RULE_KEYS.has(k)),
    };
    const src = prefix(o, 'src', 'srclen');
    if (src !== undefined) rule.src = src;
    const dst = prefix(o, 'dst', 'dstlen');
    if (dst !== undefined) rule.dst = dst;
    const table = num(o, 'table');
    if (table !== undefined) rule.table = table;
    const fwmark = num(o, 'fwmark');
    if (fwmark !== undefined) {
      rule.fwmark = fwmark;
      // ip leaves the mask out when it is all ones.
      rule.fwmask = num(o, 'fwmask') ?? 0xffffffff;
    }
    const iif = str(o, 'iif');
    if (iif !== undefined) rule.iif = iif;
    const oif = str(o, 'oif');
    if (oif !== undefined) rule.oif = oif;
    return rule;
  });
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/** The selectors of a rule as ip(8) words, e.g. "prio 512 to 10.0.0.5/32 lookup 254". */
export function ruleWords(rule: Omit<IpRule, 'extra' | 'not'> & { not?: boolean }): string {
  const words = [`prio ${rule.priority}`];
  if (rule.not) words.push('not');
  if (rule.src !== undefined) words.push(`from ${rule.src}`);
  if (rule.dst !== undefined) words.push(`to ${rule.dst}`);
  if (rule.fwmark !== undefined)
    words.push(`fwmark ${hex(rule.fwmark)}/${hex(rule.fwmask ?? 0xffffffff)}`);
  if (rule.iif !== undefined) words.push(`iif ${rule.iif}`);
  if (rule.oif !== undefined) words.push(`oif ${rule.oif}`);
  if (rule.table !== undefined) words.push(`lookup ${rule.table}`);
  return words.join(' ');
}

/** A rule with nothing but the selectors we write (no iif/oif/not/tos/...). */
export function isPlainRule(rule: IpRule): boolean {
  return !rule.not && rule.extra.length === 0 && rule.iif === undefined && rule.oif === undefined;
}
