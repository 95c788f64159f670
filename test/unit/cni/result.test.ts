import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addressesFromPrevResult,
  branchVlanOf,
  singleAddressOf,
} from '../../../cni-shim/commands/prev-result-pod.ts';
import {
  dummyInterfaceName,
  hostTableOf,
  podInterfaces,
} from '../../../cni-shim/network/pod-interfaces.ts';
import { CniError } from '../../../cni-shim/protocol/cni-error.ts';
import { parsePrevResult } from '../../../cni-shim/protocol/prev-result.ts';
import { encodeResult } from '../../../cni-shim/protocol/result.ts';
import { podVethName } from '../../../src/ipam/pod-veth-name.ts';

const RESULT = {
  interfaces: [
    { name: 'eni1f2ba8e3b29' },
    { name: 'eth0', sandbox: '/var/run/netns/cni-1', mac: '2' },
    { name: 'dummy1f2ba8e3b29', mac: '0', sandbox: '1' },
  ],
  ips: [{ address: '10.0.1.5/32', interface: 1 }],
};

describe('result encoding per cniVersion', () => {
  it('0.4.0 (and 0.3.x): ips carry their version', () => {
    expect(JSON.parse(encodeResult(RESULT, '0.4.0'))).toEqual({
      cniVersion: '0.4.0',
      interfaces: RESULT.interfaces,
      ips: [{ version: '4', interface: 1, address: '10.0.1.5/32' }],
      dns: {},
    });
    expect(JSON.parse(encodeResult(RESULT, '0.3.1')).ips[0].version).toBe('4');
  });

  it('1.0.0 and 1.1.0: no version in ips', () => {
    for (const version of ['1.0.0', '1.1.0']) {
      expect(JSON.parse(encodeResult(RESULT, version))).toEqual({
        cniVersion: version,
        interfaces: RESULT.interfaces,
        ips: [{ interface: 1, address: '10.0.1.5/32' }],
        dns: {},
      });
    }
  });

  it('0.2.0 and 0.1.0: the first address as ip4', () => {
    expect(JSON.parse(encodeResult(RESULT, '0.2.0'))).toEqual({
      cniVersion: '0.2.0',
      ip4: { ip: '10.0.1.5/32' },
      dns: {},
    });
  });
});

describe('names and numbers of a pod interface', () => {
  it('host veth: prefix + the first 11 hex characters of SHA-1("<ns>.<pod>"), ".<i>" after the first', () => {
    const expected = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 11);
    expect(podVethName('eni', 'default', 'nginx')).toBe(`eni${expected('default.nginx')}`);
    expect(podVethName('eni', 'default', 'nginx')).toBe('enic440f455693');
    expect(podVethName('veth', 'kube-system', 'coredns-5d78c9869d-4xj2l', 2)).toBe(
      `veth${expected('kube-system.coredns-5d78c9869d-4xj2l.2')}`,
    );
    expect(dummyInterfaceName('default', 'nginx')).toBe('dummyc440f455693');
  });

  it('the first interface is CNI_IFNAME on the pod side in main; the others mNicIf<i>, table i', () => {
    const [first, second] = podInterfaces(
      { namespace: 'default', name: 'nginx', vethPrefix: 'eni', ifName: 'eth0' },
      [
        { ipv4: '10.0.0.5', deviceNumber: 0, routeTableId: 254 },
        { ipv4: '10.1.0.5', deviceNumber: 1, routeTableId: 10101 },
      ],
    );
    expect(first).toMatchObject({
      containerIf: 'eth0',
      gateway: '169.254.1.1',
      podTable: 'main',
      hostTable: undefined,
    });
    expect(second).toMatchObject({
      containerIf: 'mNicIf1',
      gateway: '169.254.1.2',
      podTable: '1',
      hostTable: 10101,
    });
    expect(second!.hostVeth).toBe(podVethName('eni', 'default', 'nginx', 1));
  });

  it('the host routes through main for tables 1 (old primary numbering) and 254', () => {
    expect(hostTableOf(254)).toBeUndefined();
    expect(hostTableOf(1)).toBeUndefined();
    expect(hostTableOf(0)).toBeUndefined();
    expect(hostTableOf(2)).toBe(2);
  });
});

describe('prevResult', () => {
  const prev = (value: object) => parsePrevResult(value);

  it('addresses to tear down without ipamd: from the dummy interface and each pod interface', () => {
    const dummy = dummyInterfaceName('default', 'nginx');
    expect(
      addressesFromPrevResult(
        prev({
          interfaces: [
            { name: 'eniX' },
            { name: 'eth0', sandbox: '/n', mac: '3' },
            { name: 'eniY' },
            { name: 'mNicIf1', sandbox: '/n', mac: '' },
            { name: dummy, mac: '0', sandbox: '2' },
          ],
          ips: [
            { version: '4', interface: 1, address: '10.0.2.5/32' },
            { interface: 3, address: '10.0.3.5/32' },
          ],
        }),
        'default',
        'nginx',
        'eth0',
      ),
    ).toEqual([
      { ipv4: '10.0.2.5', deviceNumber: 2, routeTableId: 3 },
      // No table in `mac`: the table of the dummy's device number (2 → 3).
      { ipv4: '10.0.3.5', deviceNumber: 2, routeTableId: 3 },
    ]);
  });

  it('without the dummy interface, with a VLAN in its mac, or without a device number: nothing', () => {
    const base = {
      interfaces: [{ name: 'eniX' }, { name: 'eth0', mac: '2' }],
      ips: [{ interface: 1, address: '10.0.0.5/32' }],
    };
    const dummy = dummyInterfaceName('default', 'nginx');
    expect(addressesFromPrevResult(prev(base), 'default', 'nginx', 'eth0')).toBeUndefined();
    for (const bad of [{ mac: '7', sandbox: '1' }, { mac: '0' }, { mac: '0', sandbox: 'x' }]) {
      const value = prev({ ...base, interfaces: [...base.interfaces, { name: dummy, ...bad }] });
      expect(addressesFromPrevResult(value, 'default', 'nginx', 'eth0')).toBeUndefined();
    }
  });

  it('branch-ENI pods: the VLAN from the dummy mac; a malformed one fails; one address per interface', () => {
    const dummy = dummyInterfaceName('default', 'sgp');
    const branch = prev({
      interfaces: [{ name: 'vlanX' }, { name: 'eth0', sandbox: '/n' }, { name: dummy, mac: '42' }],
      ips: [{ interface: 1, address: '10.0.9.9/32' }],
    });
    expect(branchVlanOf(branch, 'default', 'sgp')).toBe(42);
    expect(singleAddressOf(branch, 'eth0')).toBe('10.0.9.9');
    expect(() => singleAddressOf(branch, 'eth1')).toThrow(
      'del cmd: prevResult has no interface eth1',
    );
    const malformed = prev({ interfaces: [{ name: dummy, mac: 'vlan' }], ips: [] });
    expect(() => branchVlanOf(malformed, 'default', 'sgp')).toThrow(CniError);
    expect(() => branchVlanOf(malformed, 'default', 'sgp')).toThrow(
      `del cmd: failed to parse VLAN ID "vlan" of ${dummy} in prevResult`,
    );
    expect(
      branchVlanOf(prev({ interfaces: [{ name: dummy, mac: '0' }], ips: [] }), 'default', 'sgp'),
    ).toBeUndefined();
  });

  it('a prevResult that does not parse is error code 6', () => {
    expect(() => parsePrevResult({ interfaces: 'x' })).toThrow(
      'prevResult: interfaces is not a list',
    );
    expect(() => parsePrevResult({ ips: [{ address: '10.0.0.1' }] })).toThrow(
      'prevResult: ips[0].address is not an address in CIDR form',
    );
  });
});
