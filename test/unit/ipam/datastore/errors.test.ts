import { describe, expect, it } from 'vitest';
import {
  DatastoreError,
  ERR_DUPLICATE_ENI,
  ERR_ENI_IN_USE,
  ERR_IP_ALREADY_IN_STORE,
  ERR_IP_IN_USE,
  ERR_NO_AVAILABLE_IP,
  ERR_UNKNOWN_ENI,
  ERR_UNKNOWN_IP,
  ERR_UNKNOWN_POD,
  isDatastoreError,
} from '../../../../src/ipam/datastore-errors.ts';
import { key, meta, store } from './helpers.ts';

function thrown(fn: () => unknown): DatastoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DatastoreError) return error;
    throw error;
  }
  throw new Error('expected a DatastoreError');
}

describe('datastore error strings (the reference text, byte for byte)', () => {
  it('keeps the exact messages', () => {
    expect(ERR_DUPLICATE_ENI).toBe('data store: duplicate ENI');
    expect(ERR_IP_ALREADY_IN_STORE).toBe('datastore: IP already in data store');
    expect(ERR_UNKNOWN_IP).toBe('datastore: unknown IP');
    expect(ERR_IP_IN_USE).toBe('datastore: IP is used and can not be deleted');
    expect(ERR_ENI_IN_USE).toBe('datastore: ENI is used and can not be deleted');
    expect(ERR_UNKNOWN_ENI).toBe('datastore: unknown ENI');
    expect(ERR_UNKNOWN_POD).toBe('datastore: unknown pod');
    expect(ERR_NO_AVAILABLE_IP).toBe('AssignPodIPAddress: no available IP/Prefix addresses');
  });

  it('duplicate ENI', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    const e = thrown(() => ds.addEni({ id: 'eni-1', deviceNumber: 1 }));
    expect(e.code).toBe('duplicate-eni');
    expect(e.message).toBe(ERR_DUPLICATE_ENI);
  });

  it('IP already in data store: same CIDR on this or another ENI, or overlapping', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addEni({ id: 'eni-2', deviceNumber: 1 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    for (const [eni, cidr, prefix] of [
      ['eni-1', '10.0.0.5/32', false],
      ['eni-2', '10.0.0.5/32', false],
      ['eni-2', '10.0.1.7/32', false],
      ['eni-2', '10.0.0.0/28', true],
      ['eni-2', '10.0.1.3/28', true],
    ] as const) {
      expect(thrown(() => ds.addCidr(eni, cidr, prefix)).message).toBe(ERR_IP_ALREADY_IN_STORE);
    }
    expect(ds.inventory().totalAddresses).toBe(17);
  });

  it('unknown IP when the CIDR is not on that ENI', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addEni({ id: 'eni-2', deviceNumber: 1 });
    ds.addCidr('eni-2', '10.0.0.5/32', false);
    const e = thrown(() => ds.removeCidr('eni-1', '10.0.0.5/32', false));
    expect([e.code, e.message]).toEqual(['unknown-ip', ERR_UNKNOWN_IP]);
  });

  it('IP is used, ENI is used', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.assign(key('c1'), meta('a'));
    expect(thrown(() => ds.removeCidr('eni-1', '10.0.0.5/32', false)).message).toBe(ERR_IP_IN_USE);
    expect(thrown(() => ds.removeEni('eni-1', false)).message).toBe(ERR_ENI_IN_USE);
  });

  it('unknown ENI from every ENI-addressed call', () => {
    const { ds } = store();
    for (const fn of [
      () => ds.addCidr('eni-x', '10.0.0.1/32', false),
      () => ds.removeCidr('eni-x', '10.0.0.1/32', false),
      () => ds.removeEni('eni-x', true),
      () => ds.setExcludedForPodIps('eni-x', true),
      () => ds.freeableCidrs('eni-x'),
      () => ds.cidrsOf('eni-x'),
    ]) {
      expect(thrown(fn).message).toBe(ERR_UNKNOWN_ENI);
    }
  });

  it('unknown pod', () => {
    const { ds } = store();
    const e = thrown(() => ds.unassign(key('nope')));
    expect(e.message).toBe(ERR_UNKNOWN_POD);
    expect(isDatastoreError(e, 'unknown-pod')).toBe(true);
    expect(isDatastoreError(e, 'unknown-eni')).toBe(false);
  });

  it('no available IP', () => {
    const { ds } = store();
    const e = thrown(() => ds.assign(key('c1'), meta('a')));
    expect([e.code, e.message]).toEqual(['no-available-ip', ERR_NO_AVAILABLE_IP]);
    expect(e).toBeInstanceOf(Error);
  });

  it('rejects malformed and oversized CIDRs with a non-reference error', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    expect(() => ds.addCidr('eni-1', '10.0.0.300/32', false)).toThrow(TypeError);
    expect(() => ds.addCidr('eni-1', '10.0.0.0/8', true)).toThrow(RangeError);
  });
});
