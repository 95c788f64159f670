import { describe, expect, it } from 'vitest';
import {
  addRequest,
  cidrsByEni,
  type DaemonProcess,
  delRequest,
  type EnisView,
  ipOf,
  waitFor,
  withWorld,
} from './harness.ts';

/**
 * Turning prefix delegation on and off across restarts (the reference's nodeInit mode-toggle
 * cleanup, its restore rules and DelNetwork's mode-mismatch freeing): pods keep their addresses
 * whatever kind of CIDR holds them; at start the daemon gives back the unassigned CIDRs of the kind
 * the mode no longer uses; new pods get addresses of the current kind only; with PD off, the DEL of
 * the last pod on a prefix gives the prefix back.
 */

/** Which /32 or /28 of the view holds `ip`. */
function cidrOf(view: EnisView, ip: string): string | undefined {
  for (const eni of Object.values(view['0']?.ENIs ?? {})) {
    for (const [cidr, info] of Object.entries(eni.AvailableIPv4Cidrs)) {
      if (info.IPAddresses[ip] !== undefined || cidr === `${ip}/32`) return cidr;
    }
  }
  return undefined;
}

describe('prefix delegation toggled across restarts', () => {
  it('secondary IPs → PD → secondary IPs: pods keep addresses, the unused kind goes back to EC2', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const ips = new Map<string, string>();
      const add = async (daemon: DaemonProcess, name: string) => {
        const ip = ipOf(await daemon.client.addNetwork(addRequest(name)));
        ips.set(name, ip);
        return ip;
      };

      // Secondary IPs: 3 pods on /32s.
      const first = await node.start();
      for (const name of ['a', 'b', 'c']) await add(first, name);
      expect(await first.stop()).toEqual({ code: 0, signal: null });

      // PD on: a, b, c stay on their /32s; every unassigned /32 is given back to EC2; the pool
      // is one free /28 (WARM_PREFIX_TARGET=1); new pods come from prefixes only.
      const pd = { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' };
      const second = await node.start(pd);
      for (const name of ['a', 'b', 'c']) {
        expect(ipOf(await second.client.addNetwork(addRequest(name))), name).toBe(ips.get(name));
      }
      const ec2AfterPd = [...(await node.ec2Cidrs()).values()].flat();
      expect(ec2AfterPd.filter((c) => c.endsWith('/32')).sort()).toEqual(
        ['a', 'b', 'c'].map((n) => `${ips.get(n)}/32`).sort(),
      );
      expect(ec2AfterPd.filter((c) => c.endsWith('/28')).length).toBeGreaterThanOrEqual(1);
      for (const name of ['d', 'e']) {
        const ip = await add(second, name);
        expect(cidrOf(await second.enis(), ip), name).toMatch(/\/28$/);
      }
      // A /32 freed in PD mode is not handed out again (it is not of the current kind).
      const freedSlash32 = ips.get('c') ?? '';
      expect((await second.client.delNetwork(delRequest('c'))).Success).toBe(true);
      ips.delete('c');
      for (const name of ['f', 'g']) {
        expect(await add(second, name)).not.toBe(freedSlash32);
      }
      expect(await second.stop()).toEqual({ code: 0, signal: null });

      // PD off again: every pod keeps its address (d, e, f, g are on a prefix); unassigned
      // prefixes go back to EC2, the prefix holding pods stays.
      const third = await node.start();
      for (const [name, ip] of ips) {
        expect(ipOf(await third.client.addNetwork(addRequest(name))), name).toBe(ip);
      }
      const view = await third.enis();
      const podPrefix = cidrOf(view, ips.get('d') ?? '') ?? '';
      expect(podPrefix).toMatch(/\/28$/);
      for (const name of ['e', 'f', 'g']) expect(cidrOf(view, ips.get(name) ?? '')).toBe(podPrefix);
      const prefixesInEc2 = () =>
        node.ec2Cidrs().then((m) => [...m.values()].flat().filter((c) => c.endsWith('/28')));
      expect(await prefixesInEc2()).toEqual([podPrefix]);
      // New pods get /32s.
      expect(cidrOf(await third.enis(), await add(third, 'h'))).toMatch(/\/32$/);

      // The last pod leaving the prefix gives it back to EC2 at once.
      for (const name of ['d', 'e', 'f', 'g']) {
        expect((await third.client.delNetwork(delRequest(name))).Success).toBe(true);
      }
      await waitFor('the emptied prefix to be released', async () =>
        (await prefixesInEc2()).length === 0 ? true : undefined,
      );
      expect([...cidrsByEni(await third.enis()).values()].flat()).not.toContain(podPrefix);
    });
  }, 90_000);
});
