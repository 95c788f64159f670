import { CNI_ERROR, CniError } from './cni-error.ts';

/** The Kubernetes pod fields kubelet (through the runtime) passes in CNI_ARGS. */
export interface PodArgs {
  readonly K8S_POD_NAME: string;
  readonly K8S_POD_NAMESPACE: string;
  readonly K8S_POD_INFRA_CONTAINER_ID: string;
  readonly K8S_POD_UID: string;
}

const KNOWN = new Set([
  'K8S_POD_NAME',
  'K8S_POD_NAMESPACE',
  'K8S_POD_INFRA_CONTAINER_ID',
  'K8S_POD_UID',
]);

/**
 * CNI_ARGS: `KEY=VALUE` pairs separated by `;`, in any order (libcni's LoadArgs). A key this
 * plugin does not know is an error unless `IgnoreUnknown` is true (`1` or `true`, any case), as
 * libcni decides; containerd always sends `IgnoreUnknown=1`.
 */
export function parseCniArgs(text: string): PodArgs {
  const values = new Map<string, string>();
  const unknown: string[] = [];
  let ignoreUnknown = false;
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    // Exactly one '=' per pair, as libcni's LoadArgs requires.
    const kv = pair.split('=');
    if (kv.length !== 2 || kv[0] === '') {
      throw new CniError(
        CNI_ERROR.invalidEnvironment,
        `CNI_ARGS: invalid pair "${pair}" (want KEY=VALUE)`,
      );
    }
    const [key, value] = kv as [string, string];
    if (key === 'IgnoreUnknown') {
      ignoreUnknown = /^(1|true)$/i.test(value);
      continue;
    }
    if (KNOWN.has(key)) values.set(key, value);
    else unknown.push(key);
  }
  if (unknown.length > 0 && !ignoreUnknown) {
    throw new CniError(
      CNI_ERROR.invalidEnvironment,
      `CNI_ARGS: unknown argument ${unknown.map((k) => `"${k}"`).join(', ')} (and IgnoreUnknown is not set)`,
    );
  }
  return {
    K8S_POD_NAME: values.get('K8S_POD_NAME') ?? '',
    K8S_POD_NAMESPACE: values.get('K8S_POD_NAMESPACE') ?? '',
    K8S_POD_INFRA_CONTAINER_ID: values.get('K8S_POD_INFRA_CONTAINER_ID') ?? '',
    K8S_POD_UID: values.get('K8S_POD_UID') ?? '',
  };
}
