import type { EnvReader } from './env-reader.ts';
import { parseEniTags } from './parse-eni-tags.ts';
import { quote } from './quote.ts';
import type { Config, NetworkPolicyMode } from './types.ts';

type EniFields =
  | 'customNetworking'
  | 'eniConfigLabelKey'
  | 'eniConfigAnnotationKey'
  | 'enableSubnetDiscovery'
  | 'manageEnisNonSchedulable'
  | 'manageUntaggedEni'
  | 'disableNetworkResourceProvisioning'
  | 'imdsOnlyMode'
  | 'disableLeakedEniCleanup'
  | 'enablePodEni'
  | 'enableMultiNic'
  | 'annotatePodIp'
  | 'networkPolicyMode'
  | 'clusterName'
  | 'additionalEniTags';

const ENI_CONFIG_KEY = 'k8s.amazonaws.com/eniConfig';

/** How ENIs are chosen, tagged, provisioned and cleaned up. */
export function readEniManagement(r: EnvReader, enableIPv6: boolean): Pick<Config, EniFields> {
  const imdsOnlyMode = r.boolA('ENABLE_IMDS_ONLY_MODE', false);
  // IMDS-only mode has no EC2 view to act on, so it implies no provisioning.
  const disableNetworkResourceProvisioning =
    r.boolA('DISABLE_NETWORK_RESOURCE_PROVISIONING', false) || imdsOnlyMode;
  // The reference turns cleanup off in each of these modes: IPv6 ENIs, and modes without
  // EC2 mutations, must never be deleted as "leaked".
  const disableLeakedEniCleanup =
    r.boolA('DISABLE_LEAKED_ENI_CLEANUP', false) ||
    enableIPv6 ||
    disableNetworkResourceProvisioning ||
    imdsOnlyMode;
  const tags = parseEniTags(r.raw('ADDITIONAL_ENI_TAGS') ?? '');
  r.addWarnings(tags.warnings);

  return {
    customNetworking: r.boolB('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', false),
    eniConfigLabelKey: r.string('ENI_CONFIG_LABEL_DEF', ENI_CONFIG_KEY),
    eniConfigAnnotationKey: r.string('ENI_CONFIG_ANNOTATION_DEF', ENI_CONFIG_KEY),
    enableSubnetDiscovery: r.boolB('ENABLE_SUBNET_DISCOVERY', true),
    manageEnisNonSchedulable: r.boolB('AWS_MANAGE_ENIS_NON_SCHEDULABLE', false),
    manageUntaggedEni: r.boolA('MANAGE_UNTAGGED_ENI', true),
    disableNetworkResourceProvisioning,
    imdsOnlyMode,
    disableLeakedEniCleanup,
    enablePodEni: r.boolA('ENABLE_POD_ENI', false),
    enableMultiNic: r.boolA('ENABLE_MULTI_NIC', false),
    annotatePodIp: r.boolA('ANNOTATE_POD_IP', false),
    networkPolicyMode: readNetworkPolicyMode(r),
    clusterName: r.string('CLUSTER_NAME', ''),
    additionalEniTags: tags.value,
  };
}

const NETWORK_POLICY_MODES: readonly NetworkPolicyMode[] = ['none', 'strict', 'standard'];

/** Echoed to the plugin in every reply, so a value it cannot act on stops start-up (as in the reference). */
function readNetworkPolicyMode(r: EnvReader): NetworkPolicyMode {
  const value = r.nonEmpty('NETWORK_POLICY_ENFORCING_MODE');
  if (value === undefined) return '';
  const mode = NETWORK_POLICY_MODES.find((m) => m === value.toLowerCase());
  if (mode) return mode;
  r.fatal(
    `NETWORK_POLICY_ENFORCING_MODE=${quote(value)} is not a policy mode; set it to none, strict or standard, or remove it`,
  );
  return '';
}
