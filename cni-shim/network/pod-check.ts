import type { IpRunner } from './ip-runner.ts';
import type { PodInterface } from './pod-interfaces.ts';

/**
 * CHECK: is each interface of the pod still as ADD left it? Answers the first thing missing, in
 * words an operator can act on, or undefined when all is in place.
 */

interface Link {
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly address?: string;
}
interface AddrInfo {
  readonly ifname: string;
  readonly addr_info?: readonly {
    readonly family: string;
    readonly local: string;
    readonly prefixlen: number;
  }[];
}
interface Route {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly table?: string;
}
interface Rule {
  readonly priority: number;
  readonly src?: string;
  readonly srclen?: number;
  readonly dst?: string;
  readonly dstlen?: number;
  readonly table?: string;
}
interface Neighbour {
  readonly dst: string;
  readonly dev: string;
  readonly lladdr?: string;
  readonly state?: readonly string[];
}

export async function checkPodNetwork(
  ip: IpRunner,
  netns: string,
  interfaces: readonly PodInterface[],
): Promise<string | undefined> {
  const [hostLinks, hostRoutes, rules, podAddrs, podRoutes, podNeighbours] = await Promise.all([
    ip.json(['link', 'show']) as Promise<Link[]>,
    ip.json(['route', 'show', 'table', 'main']) as Promise<Route[]>,
    ip.json(['rule', 'show']) as Promise<Rule[]>,
    ip.json(['addr', 'show'], netns) as Promise<AddrInfo[]>,
    ip.json(['route', 'show', 'table', 'all'], netns) as Promise<Route[]>,
    ip.json(['neigh', 'show'], netns) as Promise<Neighbour[]>,
  ]);
  for (const iface of interfaces) {
    const ipv4 = iface.address.ipv4;
    const host = hostLinks.find((link) => link.ifname === iface.hostVeth);
    if (!host) return `the host veth ${iface.hostVeth} does not exist`;
    if (!host.flags?.includes('UP')) return `the host veth ${iface.hostVeth} is down`;
    const pod = podAddrs.find((link) => link.ifname === iface.containerIf);
    if (!pod) return `the pod interface ${iface.containerIf} does not exist in ${netns}`;
    if (
      !pod.addr_info?.some((a) => a.family === 'inet' && a.local === ipv4 && a.prefixlen === 32)
    ) {
      return `the pod interface ${iface.containerIf} does not have ${ipv4}/32`;
    }
    const table = iface.podTable;
    const inTable = (route: Route) => (route.table ?? 'main') === table;
    if (
      !podRoutes.some((r) => inTable(r) && r.dst === iface.gateway && r.dev === iface.containerIf)
    ) {
      return `the pod has no route to its gateway ${iface.gateway} on ${iface.containerIf} (table ${table})`;
    }
    if (!podRoutes.some((r) => inTable(r) && r.dst === 'default' && r.gateway === iface.gateway)) {
      return `the pod has no default route via ${iface.gateway} (table ${table})`;
    }
    const neighbour = podNeighbours.find(
      (n) => n.dst === iface.gateway && n.dev === iface.containerIf,
    );
    if (!neighbour?.state?.includes('PERMANENT') || neighbour.lladdr !== host.address) {
      return `the pod has no permanent neighbour entry ${iface.gateway} → ${host.address ?? '?'}`;
    }
    if (!hostRoutes.some((r) => r.dst === ipv4 && r.dev === iface.hostVeth)) {
      return `the host has no route to ${ipv4} through ${iface.hostVeth}`;
    }
    if (!rules.some((r) => r.priority === 512 && r.dst === ipv4 && r.table === 'main')) {
      return `the host has no rule "to ${ipv4} lookup main" at priority 512`;
    }
    if (
      iface.hostTable !== undefined &&
      !rules.some(
        (r) => r.priority === 1536 && r.src === ipv4 && r.table === String(iface.hostTable),
      )
    ) {
      return `the host has no rule "from ${ipv4} lookup ${iface.hostTable}" at priority 1536`;
    }
  }
  return undefined;
}
