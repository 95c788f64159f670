import type { EnvReader } from './env-reader.ts';
import { parseCidrList } from './parse-cidr-list.ts';
import { parseGoIntBase0 } from './parse-number.ts';
import { quote } from './quote.ts';
import type { Config, PodSgEnforcingMode, RandomizeSnat } from './types.ts';

type HostFields =
  | 'disableHostNetworking'
  | 'externalSnat'
  | 'excludeSnatCidrs'
  | 'randomizeSnat'
  | 'nodePortSupport'
  | 'connmark'
  | 'externalServiceCidrs'
  | 'vethPrefix'
  | 'enableV6Egress'
  | 'podSgEnforcingMode';

/** Settings of the host's SNAT, connmark, routing and veth naming (the reference's networkutils). */
export function readHostNetwork(r: EnvReader, enablePodEni: boolean): Pick<Config, HostFields> {
  const externalSnat = r.boolB('AWS_VPC_K8S_CNI_EXTERNALSNAT', false);
  return {
    disableHostNetworking: r.boolA('DISABLE_HOST_NETWORKING', false),
    externalSnat,
    // The reference does not even read the list under external SNAT: nothing would use it.
    excludeSnatCidrs: externalSnat ? [] : readCidrs(r, 'AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS'),
    randomizeSnat: readRandomizeSnat(r),
    nodePortSupport: r.boolB('AWS_VPC_CNI_NODE_PORT_SUPPORT', true),
    connmark: readConnmark(r),
    externalServiceCidrs: readCidrs(r, 'AWS_EXTERNAL_SERVICE_CIDRS'),
    vethPrefix: readVethPrefix(r),
    enableV6Egress: r.boolB('ENABLE_V6_EGRESS', false),
    podSgEnforcingMode: readPodSgEnforcingMode(r, enablePodEni),
  };
}

function readCidrs(r: EnvReader, name: string): string[] {
  const list = parseCidrList(name, r.raw(name) ?? '');
  r.addWarnings(list.warnings);
  return list.value;
}

const RANDOMIZE_SNAT: readonly RandomizeSnat[] = ['none', 'hashrandom', 'prng'];

/** Matched exactly, as the reference compares strings: 'PRNG' falls back (to the same prng). */
function readRandomizeSnat(r: EnvReader): RandomizeSnat {
  const value = r.nonEmpty('AWS_VPC_K8S_CNI_RANDOMIZESNAT');
  if (value === undefined) return 'prng';
  const mode = RANDOMIZE_SNAT.find((m) => m === value);
  if (mode) return mode;
  r.warn(
    'AWS_VPC_K8S_CNI_RANDOMIZESNAT',
    value,
    `AWS_VPC_K8S_CNI_RANDOMIZESNAT=${quote(value)} is not none, hashrandom or prng; using prng`,
  );
  return 'prng';
}

const DEFAULT_CONNMARK = 0x80;
const MAX_CONNMARK = 0xffff_ffffn;

function readConnmark(r: EnvReader): number {
  const value = r.nonEmpty('AWS_VPC_K8S_CNI_CONNMARK');
  if (value === undefined) return DEFAULT_CONNMARK;
  const parsed = parseGoIntBase0(value);
  if (parsed !== undefined && parsed > 0n && parsed <= MAX_CONNMARK) return Number(parsed);
  const why =
    parsed === undefined
      ? 'is not an integer (decimal, 0x hex, 0o or leading-0 octal, 0b binary)'
      : 'is outside 1..4294967295';
  r.warn(
    'AWS_VPC_K8S_CNI_CONNMARK',
    value,
    `AWS_VPC_K8S_CNI_CONNMARK=${quote(value)} ${why}; using 0x80`,
  );
  return DEFAULT_CONNMARK;
}

/** Names the host already uses for its own links; pod veths must never match their iptables globs. */
const RESERVED_VETH_PREFIXES: ReadonlySet<string> = new Set(['eth', 'lo', 'vlan']);
/** Linux link names are at most 15 bytes; the veth suffix takes 11. */
const MAX_VETH_PREFIX_LENGTH = 4;
const utf8 = new TextEncoder();

function readVethPrefix(r: EnvReader): string {
  const prefix = r.string('AWS_VPC_K8S_CNI_VETHPREFIX', 'eni');
  // Bytes, not characters: Go's len() and the kernel's name limit both count bytes.
  if (utf8.encode(prefix).length > MAX_VETH_PREFIX_LENGTH) {
    r.fatal(
      `AWS_VPC_K8S_CNI_VETHPREFIX=${quote(prefix)} is longer than ${MAX_VETH_PREFIX_LENGTH} bytes; use a shorter prefix such as eni`,
    );
  } else if (RESERVED_VETH_PREFIXES.has(prefix)) {
    r.fatal(
      `AWS_VPC_K8S_CNI_VETHPREFIX=${quote(prefix)} is reserved (eth, lo and vlan are host links); use another prefix such as eni`,
    );
  }
  return prefix;
}

const POD_SG_MODES: readonly PodSgEnforcingMode[] = ['strict', 'standard'];

/**
 * Only matters with security groups for pods: there a wrong mode would put branch-ENI pods on
 * the wrong routing path, so the reference's entrypoint refuses it; otherwise it falls back.
 */
function readPodSgEnforcingMode(r: EnvReader, enablePodEni: boolean): PodSgEnforcingMode {
  const value = r.nonEmpty('POD_SECURITY_GROUP_ENFORCING_MODE');
  if (value === undefined) return 'strict';
  const mode = POD_SG_MODES.find((m) => m === value);
  if (mode) return mode;
  if (enablePodEni) {
    r.fatal(
      `POD_SECURITY_GROUP_ENFORCING_MODE=${quote(value)} with ENABLE_POD_ENI=true: set the mode to strict or standard`,
    );
  } else {
    r.warn(
      'POD_SECURITY_GROUP_ENFORCING_MODE',
      value,
      `POD_SECURITY_GROUP_ENFORCING_MODE=${quote(value)} is not strict or standard; using strict`,
    );
  }
  return 'strict';
}
