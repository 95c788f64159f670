import { describe, expect, it } from 'vitest';
import { fill, key, meta, store } from './helpers.ts';

/**
 * Draining ENIs (custom networking: the ENI no longer matches the node's ENIConfig): out of the
 * pool numbers, never grown, and assigned from only when no other ENI has a free address.
 */
describe('draining ENIs', () => {
  function drainingStore() {
    const s = store();
    s.ds.addEni({ id: 'eni-old', deviceNumber: 1 });
    s.ds.addEni({ id: 'eni-new', deviceNumber: 2 });
    for (const host of [1, 2, 3]) s.ds.addCidr('eni-old', `10.0.1.${host}/32`, false);
    for (const host of [1, 2]) s.ds.addCidr('eni-new', `100.64.0.${host}/32`, false);
    // Fuller, so the dense allocator would prefer it if it were not draining.
    s.ds.assign(key('old-pod'), meta('old-pod'));
    s.ds.setDraining('eni-old', true);
    return s;
  }

  it('leave the pool numbers but keep their pods', () => {
    const { ds } = drainingStore();
    expect(ds.stats()).toMatchObject({ totalIPs: 2, assignedIPs: 0 });
    expect(ds.inventory()).toMatchObject({ totalAddresses: 5, assignedAddresses: 1 });
    expect(ds.eni('eni-old')).toMatchObject({ draining: true, assigned: 1 });
    expect(ds.allocatableEnis(9, false).map((e) => e.id)).toEqual(['eni-new']);
  });

  it('give addresses only once every other ENI is full', () => {
    const { ds } = drainingStore();
    const ips = fill(ds, 4);
    expect(ips).toEqual(['100.64.0.1', '100.64.0.2', '10.0.1.2', '10.0.1.3']);
    expect(() => ds.assign(key('one-more'), meta('one-more'))).toThrow(/no available/);
    // Their pods stay out of the numbers too.
    expect(ds.stats()).toMatchObject({ totalIPs: 2, assignedIPs: 2 });
  });

  it('a draining primary ENI loses its first place', () => {
    const s = store();
    s.ds.addEni({ id: 'eni-p', deviceNumber: 0, isPrimary: true });
    s.ds.addEni({ id: 'eni-2', deviceNumber: 2 });
    s.ds.addCidr('eni-p', '10.0.1.1/32', false);
    s.ds.addCidr('eni-2', '100.64.0.1/32', false);
    s.ds.setDraining('eni-p', true);
    expect(fill(s.ds, 2)).toEqual(['100.64.0.1', '10.0.1.1']);
  });

  it('clearing the mark puts the ENI back into the numbers and the main queue', () => {
    const { ds } = drainingStore();
    ds.setDraining('eni-old', false);
    expect(ds.stats()).toMatchObject({ totalIPs: 5, assignedIPs: 1 });
    expect(ds.assign(key('next'), meta('next')).ip).toBe('10.0.1.2');
  });

  it('excluded and draining together: excluded wins, and clearing one keeps the other', () => {
    const { ds } = drainingStore();
    ds.setExcludedForPodIps('eni-old', true);
    fill(ds, 2);
    expect(() => ds.assign(key('x'), meta('x'))).toThrow(/no available/);
    ds.setDraining('eni-old', false);
    expect(ds.stats()).toMatchObject({ totalIPs: 2 });
    ds.setExcludedForPodIps('eni-old', false);
    expect(ds.stats()).toMatchObject({ totalIPs: 5, assignedIPs: 3 });
  });
});
