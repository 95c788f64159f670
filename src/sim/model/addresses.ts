import { formatCidr, parseIpv4, parseIpv4Cidr } from '../../ipam/cidr.ts';
import { Ec2Error, invalidParameterValue } from '../ec2/errors.ts';
import { ipv4SlotLimit, ipv4SlotsUsed } from './limits.ts';
import type { RegionState } from './region-state.ts';
import { type AddressRecord, type EniRecord, liveAddresses, type SubnetRecord } from './types.ts';

export function insufficientAddresses(): Ec2Error {
  return new Ec2Error(
    'InsufficientFreeAddressesInSubnet',
    'The specified subnet does not have enough free addresses to satisfy the request.',
  );
}

export function insufficientCidrBlocks(): Ec2Error {
  return new Ec2Error(
    'InsufficientCidrBlocks',
    'The specified subnet does not have enough free cidr blocks to satisfy the request.',
  );
}

export function addressLimitExceeded(): Ec2Error {
  return new Ec2Error(
    'PrivateIpAddressLimitExceeded',
    'Number of private addresses will exceed limit.',
  );
}

/** What to take from a subnet: a count of addresses or prefixes, or specific ones. */
export interface AddressRequest {
  readonly addressCount?: number;
  readonly prefixCount?: number;
  readonly addresses?: readonly string[];
  readonly prefixes?: readonly string[];
}

export interface TakenAddresses {
  readonly addresses: string[];
  readonly prefixes: string[];
}

/**
 * Takes addresses and prefixes from the subnet, all or nothing: on any failure everything taken
 * so far goes back and the EC2 error is thrown.
 */
export function takeFromSubnet(subnet: SubnetRecord, request: AddressRequest): TakenAddresses {
  const taken: TakenAddresses = { addresses: [], prefixes: [] };
  try {
    for (const text of request.addresses ?? []) {
      const ip = parseIpv4(text);
      if (ip === undefined) throw invalidParameterValue(`Invalid IPv4 address: ${text}`);
      if (!subnet.space.contains(ip) || subnet.space.isReserved(ip)) {
        throw invalidParameterValue(
          `Address ${text} does not fall within the subnet's address range`,
        );
      }
      if (!subnet.space.claimAddress(ip)) {
        throw new Ec2Error(
          'InvalidIPAddress.InUse',
          `The specified address ${text} is already in use.`,
        );
      }
      taken.addresses.push(text);
    }
    for (const text of request.prefixes ?? []) {
      const cidr = parseIpv4Cidr(text);
      if (cidr?.bits !== 28 || formatCidr(cidr) !== text) {
        throw invalidParameterValue(
          `Invalid IPv4 prefix: ${text}. A /28 prefix in network form is required.`,
        );
      }
      if (!subnet.space.contains(cidr.network)) {
        throw invalidParameterValue(
          `Prefix ${text} does not fall within the subnet's address range`,
        );
      }
      if (!subnet.space.claimPrefix(cidr.network)) {
        throw new Ec2Error(
          'InvalidParameterValue',
          `The prefix ${text} is not available in the subnet.`,
        );
      }
      taken.prefixes.push(text);
    }
    if (request.addressCount) {
      const got = subnet.space.allocateAddresses(request.addressCount);
      if (!got) throw insufficientAddresses();
      taken.addresses.push(...got);
    }
    if (request.prefixCount) {
      const got = subnet.space.allocatePrefixes(request.prefixCount);
      if (!got) throw insufficientCidrBlocks();
      taken.prefixes.push(...got);
    }
    return taken;
  } catch (error) {
    returnToSubnet(subnet, taken.addresses, taken.prefixes);
    throw error;
  }
}

export function returnToSubnet(
  subnet: SubnetRecord,
  addresses: readonly string[],
  prefixes: readonly string[],
): void {
  for (const text of addresses) {
    const ip = parseIpv4(text);
    if (ip !== undefined) subnet.space.releaseAddress(ip);
  }
  for (const text of prefixes) {
    const cidr = parseIpv4Cidr(text);
    if (cidr) subnet.space.releasePrefix(cidr.network);
  }
}

function record(
  state: RegionState,
  kind: 'ip' | 'prefix',
  value: string,
  primary: boolean,
  lagMs: number,
): AddressRecord {
  return { kind, value, primary, imdsVisibleAt: state.now() + lagMs };
}

/** Records addresses just taken from the subnet on the ENI; IMDS shows them `lagMs` later. */
export function addToEni(
  state: RegionState,
  eni: EniRecord,
  taken: TakenAddresses,
  lagMs = state.imdsLagMs,
): void {
  for (const value of taken.addresses) eni.addresses.push(record(state, 'ip', value, false, lagMs));
  for (const value of taken.prefixes)
    eni.addresses.push(record(state, 'prefix', value, false, lagMs));
}

/** AssignPrivateIpAddresses: the ENI's slot limit, then the subnet's space, all or nothing. */
export function assignAddresses(
  state: RegionState,
  eni: EniRecord,
  request: AddressRequest,
): TakenAddresses {
  const wanted =
    (request.addressCount ?? 0) +
    (request.prefixCount ?? 0) +
    (request.addresses?.length ?? 0) +
    (request.prefixes?.length ?? 0);
  if (ipv4SlotsUsed(eni) + wanted > ipv4SlotLimit(state, eni)) throw addressLimitExceeded();
  const subnet = state.getSubnet(eni.subnetId);
  const taken = takeFromSubnet(subnet, request);
  pruneHistory(state, eni);
  addToEni(state, eni, taken);
  return taken;
}

/** UnassignPrivateIpAddresses: every listed address must be a secondary of this ENI. */
export function unassignAddresses(
  state: RegionState,
  eni: EniRecord,
  addresses: readonly string[],
  prefixes: readonly string[],
): void {
  const live = liveAddresses(eni);
  const targets: AddressRecord[] = [];
  for (const text of addresses) {
    const found = live.find((a) => a.kind === 'ip' && a.value === text);
    if (!found) {
      throw invalidParameterValue(
        `Some of the specified addresses are not assigned to interface ${eni.id}`,
      );
    }
    if (found.primary) {
      throw invalidParameterValue(
        `The primary private IP address ${text} of interface ${eni.id} cannot be unassigned`,
      );
    }
    targets.push(found);
  }
  for (const text of prefixes) {
    const cidr = parseIpv4Cidr(text);
    const normal = cidr ? formatCidr(cidr) : text;
    const found = live.find((a) => a.kind === 'prefix' && a.value === normal);
    if (!found) {
      throw invalidParameterValue(
        `Some of the specified prefixes are not assigned to interface ${eni.id}`,
      );
    }
    targets.push(found);
  }
  const now = state.now();
  const subnet = state.getSubnet(eni.subnetId);
  pruneHistory(state, eni);
  for (const target of new Set(targets)) {
    target.removedAt = now;
    target.imdsHiddenAt = now + state.imdsLagMs;
    if (target.kind === 'ip') returnToSubnet(subnet, [target.value], []);
    else returnToSubnet(subnet, [], [target.value]);
  }
}

/** Forgets removed addresses IMDS no longer shows. */
function pruneHistory(state: RegionState, eni: EniRecord): void {
  const now = state.now();
  if (eni.addresses.some((a) => a.imdsHiddenAt !== undefined && a.imdsHiddenAt <= now)) {
    eni.addresses = eni.addresses.filter(
      (a) => a.imdsHiddenAt === undefined || a.imdsHiddenAt > now,
    );
  }
}
