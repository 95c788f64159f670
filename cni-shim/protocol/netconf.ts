import { CNI_ERROR, CniError } from './cni-error.ts';
import { type PrevResult, parsePrevResult } from './prev-result.ts';

/** The plugin's network configuration (stdin), with the reference's defaults applied. */
export interface NetConf {
  readonly cniVersion: string;
  /** The network's name: the `NetworkName` of the IPAM key (`aws-cni` in the shipped conflist). */
  readonly name: string;
  readonly type: string;
  /** Host veth prefix, at most 4 characters (`eni`). */
  readonly vethPrefix: string;
  /** Pod MTU after the reference's clamp: 576–9001, else 9001. */
  readonly mtu: number;
  readonly podSGEnforcingMode: 'strict' | 'standard';
  readonly pluginLogFile: string;
  readonly pluginLogLevel: string;
  /** Pod annotations from runtimeConfig (containerd fills them in with the capability). */
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly prevResult: PrevResult | undefined;
  /** GC: the runtime's attachments that are still in use. */
  readonly validAttachments: readonly { readonly containerId: string; readonly ifName: string }[];
  /** Ours: ipamd's gRPC socket (the reference's is fixed). */
  readonly ipamdSocket: string;
  /** Ours: the network-policy agent's socket (the reference's is fixed). */
  readonly npAgentSocket: string;
}

export const DEFAULT_IPAMD_SOCKET = '/var/run/aws-node/ipamd.sock';
export const DEFAULT_NP_AGENT_SOCKET = '/var/run/aws-node/npa.sock';

export const DEFAULT_MTU = 9001;
const MIN_MTU = 576;
export const DEFAULT_PLUGIN_LOG_FILE = '/var/log/aws-routed-eni/plugin.log';
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The multi-NIC pod annotation, and the one value that asks for it. */
export const NIC_CONFIG_ANNOTATION = 'k8s.amazonaws.com/nicConfig';
export const MULTI_NIC_ATTACHMENT = 'multi-nic-attachment';

function invalid(message: string): CniError {
  return new CniError(CNI_ERROR.invalidNetworkConfig, message);
}

function optionalString(config: Record<string, unknown>, key: string, fallback: string): string {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw invalid(`"${key}" must be a string`);
  return value;
}

/** The reference parses `mtu` (a string) with Atoi and falls back to 9001 outside [576, 9001]. */
export function clampMtu(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  if (!/^[+-]?\d+$/.test(text)) return DEFAULT_MTU;
  const mtu = Number(text);
  return mtu >= MIN_MTU && mtu <= DEFAULT_MTU ? mtu : DEFAULT_MTU;
}

/**
 * Parses stdin. `needsName` for ADD, DEL and CHECK (libcni's skel refuses a missing or invalid
 * network name there). Malformed JSON is error code 6; a bad field, code 7.
 */
export function parseNetConf(stdin: string, needsName: boolean): NetConf {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdin);
  } catch (error) {
    throw new CniError(
      CNI_ERROR.decodingFailure,
      `the network configuration on stdin is not JSON: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CniError(CNI_ERROR.decodingFailure, 'the network configuration is not a JSON object');
  }
  const config = parsed as Record<string, unknown>;
  // libcni reads a configuration without cniVersion as 0.1.0.
  const cniVersion = optionalString(config, 'cniVersion', '0.1.0');
  const name = optionalString(config, 'name', '');
  if (needsName && !NETWORK_NAME.test(name)) {
    throw invalid(
      name === '' ? 'missing network name' : `invalid characters in network name "${name}"`,
    );
  }
  const vethPrefix = optionalString(config, 'vethPrefix', 'eni');
  if (Buffer.byteLength(vethPrefix) > 4) {
    throw invalid(`vethPrefix "${vethPrefix}" is longer than 4 characters`);
  }
  const mode = optionalString(config, 'podSGEnforcingMode', 'strict');
  if (mode !== 'strict' && mode !== 'standard') {
    throw invalid(`podSGEnforcingMode "${mode}" must be "strict" or "standard"`);
  }
  return {
    cniVersion,
    name,
    type: optionalString(config, 'type', ''),
    vethPrefix,
    mtu: clampMtu(config.mtu),
    podSGEnforcingMode: mode,
    pluginLogFile: optionalString(config, 'pluginLogFile', DEFAULT_PLUGIN_LOG_FILE),
    pluginLogLevel: optionalString(config, 'pluginLogLevel', 'Debug'),
    podAnnotations: podAnnotations(config.runtimeConfig),
    prevResult: config.prevResult === undefined ? undefined : parsePrevResult(config.prevResult),
    validAttachments: validAttachments(config),
    ipamdSocket: absolutePath(config, 'ipamdSocket', DEFAULT_IPAMD_SOCKET),
    npAgentSocket: absolutePath(config, 'npAgentSocket', DEFAULT_NP_AGENT_SOCKET),
  };
}

function absolutePath(config: Record<string, unknown>, key: string, fallback: string): string {
  const path = optionalString(config, key, fallback);
  if (!path.startsWith('/')) throw invalid(`"${key}" must be an absolute path, not "${path}"`);
  return path;
}

function podAnnotations(runtimeConfig: unknown): Record<string, string> {
  if (typeof runtimeConfig !== 'object' || runtimeConfig === null) return {};
  const annotations = (runtimeConfig as Record<string, unknown>)[
    'io.kubernetes.cri.pod-annotations'
  ];
  if (typeof annotations !== 'object' || annotations === null) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** GC's list; libcni sends it as `cni.dev/valid-attachments` and, after a spec typo, `cni.dev/attachments`. */
function validAttachments(config: Record<string, unknown>): NetConf['validAttachments'] {
  const list = config['cni.dev/valid-attachments'] ?? config['cni.dev/attachments'];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalid('"cni.dev/valid-attachments" must be a list');
  return list.map((entry, i) => {
    const item = entry as Record<string, unknown> | null;
    const containerId = item?.containerID;
    const ifName = item?.ifname;
    if (typeof containerId !== 'string' || typeof ifName !== 'string') {
      throw invalid(`"cni.dev/valid-attachments"[${i}] needs string "containerID" and "ifname"`);
    }
    return { containerId, ifName };
  });
}

/** The pod asked for one address on every network card. */
export function requiresMultiNic(conf: NetConf): boolean {
  return conf.podAnnotations[NIC_CONFIG_ANNOTATION] === MULTI_NIC_ATTACHMENT;
}
