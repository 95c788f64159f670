import { describe, expect, it } from 'vitest';
import { FakeHostNetwork } from '../../../src/host/fake-host-network.ts';
import { EniLinkNotFoundError } from '../../../src/host/host-network.ts';

const ENI = {
  mac: '02:00:00:00:00:11',
  primaryIp: '10.0.1.10',
  subnetCidr: '10.0.1.0/24',
  deviceNumber: 1,
  networkCard: 0,
};

describe('FakeHostNetwork', () => {
  it('records calls in order and models the node', async () => {
    const host = new FakeHostNetwork();
    await host.setupHost({ vpcCidrs: ['10.0.0.0/16'], primaryMac: 'm', primaryIp: '10.0.0.10' });
    expect(await host.setupEni(ENI)).toEqual({
      interfaceName: 'eth1',
      routeTableId: 2,
      changes: [],
    });
    await host.programPodRules([{ ip: '10.0.1.20', routeTableId: 2 }]);
    await host.prunePodRules(['10.0.1.20']);
    await host.updateSnat(['10.0.0.0/16', '10.1.0.0/16']);
    await host.configureExternalServiceRules(['10.100.0.0/16']);
    await host.teardownEni(ENI);
    expect(host.calls.map((c) => c.method)).toEqual([
      'setupHost',
      'setupEni',
      'programPodRules',
      'prunePodRules',
      'updateSnat',
      'configureExternalServiceRules',
      'teardownEni',
    ]);
    expect(host.callsOf('updateSnat')[0]!.args).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    expect(host.state.snatCidrs).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    expect(host.state.enis.size).toBe(0);
    expect(host.state.podRules.size).toBe(0);
    expect(host.state.externalServiceCidrs).toEqual(['10.100.0.0/16']);
  });

  it('fails on demand, once per queued error, and hides links by MAC', async () => {
    const host = new FakeHostNetwork();
    host.failNext('setupEni', new Error('boom'));
    await expect(host.setupEni(ENI)).rejects.toThrow('boom');
    expect((await host.setupEni(ENI)).routeTableId).toBe(2);
    host.missingMacs.add(ENI.mac);
    await expect(host.setupEni(ENI)).rejects.toBeInstanceOf(EniLinkNotFoundError);
    host.linkNames.push('eni0123456789a');
    expect(await host.listLinkNames()).toContain('eni0123456789a');
  });
});
