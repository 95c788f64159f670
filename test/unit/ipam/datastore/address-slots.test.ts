import { describe, expect, it } from 'vitest';
import {
  AddressSlots,
  ROW_POD_NAME_MAX,
  SLOT_ASSIGNED,
  SLOT_COOLING,
  SLOT_FREE,
} from '../../../../src/ipam/address-slots.ts';
import { KeyProbe } from '../../../../src/ipam/key-probe.ts';

const HEX = `${'0123456789abcdef'.repeat(3)}fedcba9876543210`;

function stored(containerID: string, networkName = 'aws-cni', ifName = 'eth0') {
  const slots = new AddressSlots<string>();
  const base = slots.allocate(16, 'owner');
  const probe = new KeyProbe().load(networkName, containerID, ifName);
  slots.setAllocation(base + 3, probe, 'ns', 'pod', 2);
  return { slots, slot: base + 3 };
}

const probe = (containerID: string, networkName = 'aws-cni', ifName = 'eth0') =>
  new KeyProbe().load(networkName, containerID, ifName);

describe('AddressSlots', () => {
  it('matches a stored hex ID only with exactly that key', () => {
    const { slots, slot } = stored(HEX);
    expect(slots.keyMatches(slot, probe(HEX))).toBe(true);
    // one digit different in each word
    for (let w = 0; w < 8; w++) {
      const at = w * 8 + 7;
      const other = `${HEX.slice(0, at)}${HEX[at] === '0' ? '1' : '0'}${HEX.slice(at + 1)}`;
      expect(slots.keyMatches(slot, probe(other)), other).toBe(false);
    }
    expect(slots.keyMatches(slot, probe(HEX.toUpperCase()))).toBe(false);
    expect(slots.keyMatches(slot, probe(HEX, 'other-net'))).toBe(false);
    expect(slots.keyMatches(slot, probe(HEX, 'aws-cni', 'eth1'))).toBe(false);
    expect(slots.containerID(slot)).toBe(HEX);
  });

  it('matches a stored string ID only with exactly that key', () => {
    const upper = HEX.toUpperCase();
    const { slots, slot } = stored(upper);
    expect(slots.keyMatches(slot, probe(upper))).toBe(true);
    expect(slots.keyMatches(slot, probe(HEX))).toBe(false);
    expect(slots.keyMatches(slot, probe(`${upper.slice(1)}0`))).toBe(false);
    expect(slots.keyOf(slot)).toEqual({
      networkName: 'aws-cni',
      containerID: upper,
      ifName: 'eth0',
    });
  });

  it('overwrites one shape with the other when a slot is reused', () => {
    const { slots, slot } = stored(HEX);
    slots.setAllocation(slot, probe('short'), 'ns', 'pod', 1);
    expect(slots.keyMatches(slot, probe(HEX))).toBe(false);
    expect(slots.keyMatches(slot, probe('short'))).toBe(true);
    slots.setAllocation(slot, probe(HEX), 'ns', 'pod', 1);
    expect(slots.keyMatches(slot, probe('short'))).toBe(false);
    expect(slots.containerID(slot)).toBe(HEX);
  });

  it('keeps state, times and metadata apart in one row', () => {
    const { slots, slot } = stored(HEX);
    const generationBefore = slots.generation(slot);
    slots.setAllocation(slot, probe(HEX), 'ns', 'pod', 2);
    slots.setState(slot, SLOT_ASSIGNED);
    slots.setAssignedAt(slot, 1_767_225_600_123, 456_789);
    slots.setUnassignedAt(slot, 1_767_225_700_000, 999_999);
    expect(slots.state(slot)).toBe(SLOT_ASSIGNED);
    expect(slots.keyMatches(slot, probe(HEX))).toBe(true);
    slots.setState(slot, SLOT_COOLING);
    expect(slots.state(slot)).toBe(SLOT_COOLING);
    expect(slots.containerID(slot)).toBe(HEX);
    expect([slots.assignedMs(slot), slots.assignedSubMsNs(slot)]).toEqual([
      1_767_225_600_123, 456_789,
    ]);
    expect([slots.unassignedMs(slot), slots.unassignedSubMsNs(slot)]).toEqual([
      1_767_225_700_000, 999_999,
    ]);
    expect(slots.metadataOf(slot)).toEqual({
      k8sPodNamespace: 'ns',
      k8sPodName: 'pod',
      interfacesCount: 2,
    });
    expect(slots.generation(slot)).toBe(generationBefore + 1);
    // neighbours untouched
    expect(slots.state(slot + 1)).toBe(SLOT_FREE);
    expect(Number.isNaN(slots.assignedMs(slot + 1))).toBe(true);
  });

  it('hands out reset slots after release and growth', () => {
    const slots = new AddressSlots<string>();
    const a = slots.allocate(16, 'a');
    slots.setState(a, SLOT_ASSIGNED);
    slots.setAssignedAt(a, 1, 2);
    slots.release(a, 16);
    const b = slots.allocate(16, 'b');
    expect(b).toBe(a);
    expect(slots.state(b)).toBe(SLOT_FREE);
    expect(Number.isNaN(slots.assignedMs(b))).toBe(true);
    expect(slots.owner(b)).toBe('b');
    // growth keeps earlier rows
    slots.setAssignedAt(b + 15, 42, 7);
    const c = slots.allocate(4096, 'c');
    expect(c).toBeGreaterThan(b);
    expect([slots.assignedMs(b + 15), slots.assignedSubMsNs(b + 15)]).toEqual([42, 7]);
  });
});

describe('AddressSlots pod names', () => {
  it('keeps names that fit in the row and the others as given, exactly', () => {
    const slots = new AddressSlots<string>();
    const base = slots.allocate(16, 'owner');
    const names = [
      '',
      'a',
      'p'.repeat(ROW_POD_NAME_MAX),
      'p'.repeat(ROW_POD_NAME_MAX + 1),
      'x'.repeat(253),
      'caf\u00e9',
      '\u0161',
      '\u{1f600}',
    ];
    names.forEach((name, i) => {
      slots.setAllocation(base + i, probe(`c${i}`), 'ns', name, 1);
    });
    names.forEach((name, i) => {
      expect(slots.podName(base + i)).toBe(name);
      expect(slots.metadataOf(base + i).k8sPodName).toBe(name);
    });
    // a short name after a long one in the same slot
    slots.setAllocation(base + 4, probe('c4'), 'ns', 'short', 1);
    expect(slots.podName(base + 4)).toBe('short');
  });

  it('starts a new generation with every assignment and every reuse of a slot', () => {
    const slots = new AddressSlots<string>();
    const base = slots.allocate(16, 'a');
    const seen = new Set([slots.generation(base)]);
    slots.setAllocation(base, probe('c1'), 'ns', 'a', 1);
    seen.add(slots.generation(base));
    slots.setAllocation(base, probe('c1'), 'ns', 'a', 1);
    seen.add(slots.generation(base));
    slots.release(base, 16);
    expect(slots.allocate(16, 'b')).toBe(base);
    seen.add(slots.generation(base));
    expect(seen.size).toBe(4);
  });
});

describe('AddressSlots row layout', () => {
  it('keeps every field of a slot apart from the others and from its neighbours', () => {
    const slots = new AddressSlots<string>();
    const base = slots.allocate(4, 'run');
    const ids = [0, 1, 2].map((i) => `${i}`.repeat(64));
    // every field of three adjacent slots, each value distinct
    for (let i = 0; i < 3; i++) {
      const slot = base + i;
      slots.setState(slot, i === 1 ? SLOT_COOLING : SLOT_ASSIGNED);
      slots.setAssignedAt(slot, 1_000 + i, 10 + i);
      slots.setUnassignedAt(slot, 2_000 + i, 20 + i);
      slots.setAllocation(
        slot,
        probe(ids[i]!, `net-${i}`, `eth${i}`),
        `ns-${i}`,
        `p${i}`.repeat(24),
        3 + i,
      );
      slots.setIpText(slot, `10.0.0.${i}`);
    }
    for (let i = 0; i < 3; i++) {
      const slot = base + i;
      expect(slots.state(slot)).toBe(i === 1 ? SLOT_COOLING : SLOT_ASSIGNED);
      expect([slots.assignedMs(slot), slots.assignedSubMsNs(slot)]).toEqual([1_000 + i, 10 + i]);
      expect([slots.unassignedMs(slot), slots.unassignedSubMsNs(slot)]).toEqual([
        2_000 + i,
        20 + i,
      ]);
      expect(slots.keyOf(slot)).toEqual({
        networkName: `net-${i}`,
        containerID: ids[i],
        ifName: `eth${i}`,
      });
      expect(slots.metadataOf(slot)).toEqual({
        k8sPodNamespace: `ns-${i}`,
        k8sPodName: `p${i}`.repeat(24),
        interfacesCount: 3 + i,
      });
      expect(slots.owner(slot)).toBe('run');
      expect(slots.ipText(slot)).toBe(`10.0.0.${i}`);
      expect(slots.keyMatches(slot, probe(ids[i]!, `net-${i}`, `eth${i}`))).toBe(true);
    }
    expect(slots.state(base + 3)).toBe(SLOT_FREE);
    expect(slots.spillCount).toBe(0);
  });

  it("gives each run its owner and reuses a released run's id for the next", () => {
    const slots = new AddressSlots<string>();
    const a = slots.allocate(16, 'a');
    const b = slots.allocate(1, 'b');
    slots.release(a, 16);
    const c = slots.allocate(1, 'c');
    const d = slots.allocate(16, 'd');
    expect(d).toBe(a);
    expect([slots.owner(b), slots.owner(c), slots.owner(d), slots.owner(d + 15)]).toEqual([
      'b',
      'c',
      'd',
      'd',
    ]);
    expect(slots.ipText(d)).toBeUndefined();
  });
});

describe('AddressSlots side map', () => {
  it('keeps names beyond the string table exactly and drops them with the assignment', () => {
    const slots = new AddressSlots<string>();
    const base = slots.allocate(4096, 'run');
    // fill the string table (4,096 strings): 'aws-cni', 'eth0' and 4,094 namespaces
    for (let i = 0; i < 4094; i++) slots.setAllocation(base + i, probe(HEX), `ns-${i}`, 'pod', 1);
    expect(slots.spillCount).toBe(0);
    const slot = base + 7;
    const key = probe(HEX, 'net-beyond', 'if-beyond');
    slots.setAllocation(slot, key, 'ns-beyond', 'pod-beyond', 1);
    expect(slots.keyMatches(slot, key)).toBe(true);
    expect(slots.keyMatches(slot, probe(HEX, 'net-beyond', 'if-other'))).toBe(false);
    expect(slots.keyMatches(slot, probe(HEX, 'net-other', 'if-beyond'))).toBe(false);
    expect(slots.keyOf(slot)).toEqual({
      networkName: 'net-beyond',
      containerID: HEX,
      ifName: 'if-beyond',
    });
    expect(slots.metadataOf(slot).k8sPodNamespace).toBe('ns-beyond');
    const spilled = slots.spillCount;
    expect(spilled).toBe(1);
    // reassigned with names the table knows: the slot's side entry goes
    slots.setAllocation(slot, probe(HEX), 'ns-0', 'pod', 1);
    expect(slots.spillCount).toBe(spilled - 1);
    expect(slots.keyOf(slot).networkName).toBe('aws-cni');
    // a released run takes its side entries with it
    slots.setAllocation(slot, probe('short-id'), 'ns-0', 'pod', 1);
    expect(slots.spillCount).toBe(spilled);
    slots.release(base, 4096);
    expect(slots.spillCount).toBe(0);
  });
});
