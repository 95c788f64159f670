import { sha1Hex } from './sha1.ts';

/**
 * Host-side veth naming shared by the CNI plugin, host networking and checkpoint restore:
 * prefix + the first 11 hex characters of SHA-1("<namespace>.<name>") (".<index>" appended
 * for a pod's extra interfaces). The same hashing is used by Calico, so the names must match
 * the reference exactly.
 */
export function podVethSuffix(namespace: string, podName: string, index = 0): string {
  const key = index === 0 ? `${namespace}.${podName}` : `${namespace}.${podName}.${index}`;
  return sha1Hex(key).slice(0, 11);
}

export function podVethName(prefix: string, namespace: string, podName: string, index = 0): string {
  return prefix + podVethSuffix(namespace, podName, index);
}
