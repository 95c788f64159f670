/** The pool as the daemon's Prometheus endpoint reports it. */
export interface NodeStats {
  readonly assignedIps: number;
  readonly totalIps: number;
  readonly enis: number;
}

function gauge(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Reads the three gauges from a Prometheus text page; undefined when one is missing. */
export function parseNodeStats(text: string): NodeStats | undefined {
  const assignedIps = gauge(text, 'awscni_assigned_ip_addresses');
  const totalIps = gauge(text, 'awscni_total_ip_addresses');
  const enis = gauge(text, 'awscni_eni_allocated');
  if (assignedIps === undefined || totalIps === undefined || enis === undefined) return undefined;
  return { assignedIps, totalIps, enis };
}

/** Scrapes `url` (…/metrics); undefined when the daemon does not answer in time. */
export async function scrapeNodeStats(
  url: string,
  timeoutMs = 1_000,
): Promise<NodeStats | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    return parseNodeStats(await response.text());
  } catch {
    return undefined;
  }
}
