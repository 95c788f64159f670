/**
 * ENIConfig rules (custom networking, the reference's `pkg/eniconfig` and
 * `docs/eni-custom-network.md`): which ENIConfig a node uses, what a usable one holds, and whether
 * an ENI still matches it. Pure functions over what the Kubernetes API reported.
 */

/** Out-of-band management wins over everything else. */
export const EXTERNAL_ENI_CONFIG_LABEL = 'vpc.amazonaws.com/externalEniConfig';
/** Used when no label or annotation names one. */
export const DEFAULT_ENI_CONFIG_NAME = 'default';

/** Where the name came from, in the order the sources are asked. */
export type EniConfigNameSource = 'external-label' | 'annotation' | 'label' | 'default';

export interface NodeMetadata {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface EniConfigKeys {
  /** ENI_CONFIG_ANNOTATION_DEF. */
  readonly annotationKey: string;
  /** ENI_CONFIG_LABEL_DEF (e.g. `topology.kubernetes.io/zone` for per-AZ ENIConfigs). */
  readonly labelKey: string;
}

export interface EniConfigChoice {
  readonly name: string;
  readonly source: EniConfigNameSource;
  /** The label or annotation key that named it (undefined for `default`). */
  readonly key: string | undefined;
}

/**
 * The node's ENIConfig name: label `vpc.amazonaws.com/externalEniConfig`, then the annotation
 * ENI_CONFIG_ANNOTATION_DEF, then the label ENI_CONFIG_LABEL_DEF, then `default`. An empty value
 * names nothing and the next source is asked.
 */
export function selectEniConfigName(node: NodeMetadata, keys: EniConfigKeys): EniConfigChoice {
  const sources: [EniConfigNameSource, string, Readonly<Record<string, string>>][] = [
    ['external-label', EXTERNAL_ENI_CONFIG_LABEL, node.labels],
    ['annotation', keys.annotationKey, node.annotations],
    ['label', keys.labelKey, node.labels],
  ];
  for (const [source, key, values] of sources) {
    const name = values[key];
    if (name !== undefined && name !== '') return { name, source, key };
  }
  return { name: DEFAULT_ENI_CONFIG_NAME, source: 'default', key: undefined };
}

/** What a usable ENIConfig gives new ENIs. */
export interface EniConfigSpec {
  readonly subnetId: string;
  /** Sorted; empty means "the primary ENI's groups". */
  readonly securityGroupIds: readonly string[];
}

export type EniConfigCheck =
  | { readonly ok: true; readonly spec: EniConfigSpec }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks an ENIConfig object's `spec` as the API server returned it: `subnet` must name a subnet
 * (`subnet-…`), `securityGroups` (optional) must be security group IDs (`sg-…`).
 */
export function checkEniConfigSpec(spec: unknown): EniConfigCheck {
  const fields = (spec ?? {}) as { subnet?: unknown; securityGroups?: unknown };
  if (typeof fields.subnet !== 'string' || !/^subnet-[0-9a-z]+$/.test(fields.subnet)) {
    return {
      ok: false,
      reason: `spec.subnet must be a subnet ID (subnet-…), got ${JSON.stringify(fields.subnet ?? null)}`,
    };
  }
  const groups = fields.securityGroups ?? [];
  if (
    !Array.isArray(groups) ||
    !groups.every((g): g is string => typeof g === 'string' && /^sg-[0-9a-z]+$/.test(g))
  ) {
    return {
      ok: false,
      reason: `spec.securityGroups must be a list of security group IDs (sg-…), got ${JSON.stringify(groups)}`,
    };
  }
  return { ok: true, spec: { subnetId: fields.subnet, securityGroupIds: [...groups].sort() } };
}

/** Where an ENI is and which groups it has. */
export interface EniPlacementFacts {
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
}

/**
 * Why an ENI no longer matches what new ENIs get (undefined when it does): another subnet, or
 * another set of security groups (order does not matter).
 */
export function eniMismatch(eni: EniPlacementFacts, wanted: EniPlacementFacts): string | undefined {
  if (eni.subnetId !== wanted.subnetId)
    return `subnet ${eni.subnetId}, the ENIConfig says ${wanted.subnetId}`;
  const have = [...eni.securityGroupIds].sort().join(',');
  const want = [...wanted.securityGroupIds].sort().join(',');
  if (have !== want) return `security groups [${have}], the ENIConfig says [${want}]`;
  return undefined;
}
