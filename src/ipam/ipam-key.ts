/**
 * The CNI primary key of an allocation and the pod metadata stored with it (the reference's
 * datastore.IPAMKey and IPAMMetadata). Field names are the checkpoint's JSON names.
 */
export interface IpamKey {
  readonly networkName: string;
  readonly containerID: string;
  readonly ifName: string;
}

export interface IpamMetadata {
  readonly k8sPodNamespace: string;
  readonly k8sPodName: string;
  /** Addresses the pod holds across network cards; 0 means "not recorded" (old checkpoints). */
  readonly interfacesCount: number;
}

/** networkName and ifName of entries back-filled by the reference's old CRI migration. */
export const MIGRATED_NETWORK_NAME = '_migrated-from-cri';
export const MIGRATED_IF_NAME = 'unknown';

/**
 * One string per key for the key index. Lengths are spelled out so that no choice of field
 * contents can make two different keys collide (a plain separator could appear inside a field).
 */
export function encodeIpamKey(networkName: string, containerID: string, ifName: string): string {
  return `${networkName.length}:${containerID.length}:${networkName}${containerID}${ifName}`;
}

export function formatIpamKey(key: IpamKey): string {
  return `(networkName=${JSON.stringify(key.networkName)}, containerID=${JSON.stringify(key.containerID)}, ifName=${JSON.stringify(key.ifName)})`;
}
