import type { RegionState } from './region-state.ts';
import type { AddressRecord, AttachmentRecord, InstanceRecord } from './types.ts';

/** One interface as the instance's IMDS shows it at some moment. */
export interface ImdsInterface {
  readonly mac: string;
  readonly eniId: string;
  readonly deviceNumber: number;
  readonly networkCard: number;
  readonly subnetId: string;
  readonly subnetCidr: string;
  readonly vpcId: string;
  /** Primary first, then in assignment order. */
  readonly ipv4s: readonly string[];
  readonly ipv4Prefixes: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly securityGroupNames: readonly string[];
}

export interface ImdsInstanceView {
  readonly instance: InstanceRecord;
  /** Ordered by network card, then device number. */
  readonly interfaces: readonly ImdsInterface[];
}

function visible(record: AddressRecord | AttachmentRecord, now: number): boolean {
  return (
    record.imdsVisibleAt <= now && (record.imdsHiddenAt === undefined || record.imdsHiddenAt > now)
  );
}

/**
 * What the instance's IMDS reports at `now`: every change to attachments and addresses shows up
 * `imdsLagMs` after it happened in EC2 (the records carry those times), so this is a pure
 * function of the records and the clock.
 */
export function imdsView(
  state: RegionState,
  instance: InstanceRecord,
  now: number,
): ImdsInstanceView {
  const interfaces = instance.attachments
    .filter((a) => visible(a, now))
    .sort((a, b) => a.networkCardIndex - b.networkCardIndex || a.deviceIndex - b.deviceIndex)
    .map((attachment): ImdsInterface => {
      const eni = attachment.eni;
      const shown = eni.addresses.filter((a) => visible(a, now));
      const ips = shown.filter((a) => a.kind === 'ip');
      const primary = ips.filter((a) => a.primary);
      const groups = eni.groupIds.map((id) => state.securityGroups.get(id));
      return {
        mac: eni.macAddress,
        eniId: eni.id,
        deviceNumber: attachment.deviceIndex,
        networkCard: attachment.networkCardIndex,
        subnetId: eni.subnetId,
        subnetCidr: state.subnets.get(eni.subnetId)?.cidr ?? '',
        vpcId: eni.vpcId,
        ipv4s: [...primary, ...ips.filter((a) => !a.primary)].map((a) => a.value),
        ipv4Prefixes: shown.filter((a) => a.kind === 'prefix').map((a) => a.value),
        securityGroupIds: eni.groupIds,
        securityGroupNames: groups.map((g, i) => g?.name ?? eni.groupIds[i] ?? ''),
      };
    });
  return { instance, interfaces };
}
