import type { Ec2Port } from '../aws/ec2-port.ts';
import type { ImdsPort, InstanceIdentity } from '../aws/imds-port.ts';
import type { CheckpointFs } from '../checkpoint/checkpoint-fs.ts';
import { JournaledDatastore } from '../checkpoint/journaled-datastore.ts';
import { checkpointPath } from '../checkpoint/paths.ts';
import { type RestoreReport, restoreCheckpoint } from '../checkpoint/restore.ts';
import { CheckpointWriter } from '../checkpoint/writer.ts';
import type { Config } from '../config/types.ts';
import type { HostNetwork } from '../host/host-network.ts';
import { type EniRetrySchedules, REFERENCE_ENI_RETRY_SCHEDULES } from '../ipam/eni/backoff.ts';
import { isSubnetExcluded } from '../ipam/eni/subnets.ts';
import { eniDescription } from '../ipam/eni/tags.ts';
import { deriveLimits } from '../ipam/instance-limits.ts';
import type { PoolSettings } from '../ipam/warm-pool/pool-numbers.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import { CardPool } from './card-pool.ts';
import { DesiredEniConfig } from './custom-networking/desired-eni-config.ts';
import { EniConfigConvergence } from './custom-networking/eni-config-convergence.ts';
import { EniConfigPlacement } from './custom-networking/eni-config-placement.ts';
import type { Ec2Context } from './ec2-context.ts';
import { EniActions } from './eni-actions.ts';
import { type DiscoveredEni, discoverEnis } from './eni-discovery.ts';
import type { EniPlacement } from './eni-placement.ts';
import { ensureEniTags } from './eni-tagging.ts';
import { resolveInstanceType } from './instance-type.ts';
import type { EniConfigSource, EventSink, NodeInfo, PodAnnotator } from './kubernetes-ports.ts';
import type { NodeFacts } from './node-facts.ts';
import { NodeMaxPods } from './node-max-pods.ts';
import { ReconcileCooldown } from './reconcile-cooldown.ts';
import type { Scheduler } from './scheduler.ts';
import { SubnetDiscoveryPlacement } from './subnet-discovery-placement.ts';

/**
 * Everything one node's ipamd runs on, from the outside world inwards: the one shape `run`,
 * `plan` and the tests hand to `Ipamd.start` (src/daemon/ipamd.ts).
 */
export interface NodePorts {
  readonly config: Config;
  readonly identity: InstanceIdentity;
  readonly imds: ImdsPort;
  readonly ec2: Ec2Port;
  readonly host: HostNetwork;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
  readonly random?: () => number;
  /**
   * A fixed max pods for the node (`plan --max-pods`); default kubelet's capacity from `nodeInfo`
   * when known, else the max-pods calculator's value.
   */
  readonly maxPods?: number;
  /** This node's Node object (Kubernetes API); absent without the API. */
  readonly nodeInfo?: NodeInfo;
  /** ENIConfig objects; needed with custom networking. */
  readonly eniConfigs?: EniConfigSource;
  /** The pod annotation; needed with ANNOTATE_POD_IP. */
  readonly podAnnotator?: PodAnnotator;
  /** Events on the aws-node pod; absent without the API or MY_POD_NAME. */
  readonly events?: EventSink;
  /** Back-offs of the ENI workflows; default the reference's. */
  readonly eniRetrySchedules?: EniRetrySchedules;
  /** Where new ENIs go; default subnet discovery with the primary ENI's security groups. */
  readonly placement?: (node: NodeFacts) => EniPlacement;
  /** Where checkpoints live; default the real filesystem. */
  readonly checkpointFs?: CheckpointFs;
}

export interface InitializedNode {
  readonly node: NodeFacts;
  /** Managed cards in card order. */
  readonly pools: CardPool[];
  readonly actions: EniActions;
  readonly ec2Context: Ec2Context;
  readonly cooldown: ReconcileCooldown;
  readonly unmanagedEnis: Set<string>;
  readonly restoreReports: ReadonlyMap<number, RestoreReport>;
  readonly maxPods: NodeMaxPods;
  /** With custom networking: the node's ENIConfig and the ENIs' convergence to it. */
  readonly customNetworking: CustomNetworkingParts | undefined;
}

export interface CustomNetworkingParts {
  readonly desired: DesiredEniConfig;
  readonly convergence: EniConfigConvergence;
}

/** A configuration this build cannot serve; node init stops with this message. */
export class UnsupportedConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedConfigError';
  }
}

/**
 * Node init (the reference's nodeInit): limits, host networking, ENI discovery, one datastore
 * per managed card, ENI set-up, checkpoint restore, mode-toggle cleanup, pod rules. Pre-scaling is
 * left to the caller, which owns the pool manager. Any error here is fatal to the daemon.
 */
export async function initNode(deps: NodePorts): Promise<InitializedNode> {
  const { config, identity, imds, ec2, host, scheduler, logger } = deps;
  refuseUnsupported(deps);

  const typeInfo = await resolveInstanceType(ec2, identity.instanceType);
  if (!typeInfo)
    throw new Error(
      `unknown instance type ${identity.instanceType}: no ENI/IP limits in the table or from EC2`,
    );
  const limits = deriveLimits(typeInfo, {
    maxEni: config.maxEni,
    prefixDelegation: config.enablePrefixDelegation,
  });
  if (config.enablePrefixDelegation && !limits.prefixDelegation) {
    logger.warn(
      { instanceType: identity.instanceType },
      'prefix delegation needs a Nitro or bare-metal instance; using secondary IPs',
    );
  }

  const vpcCidrs = await imds.getVpcIpv4Cidrs();
  const securityGroupIds = [...(await imds.getSecurityGroupIds())].sort();
  await host.setupHost({
    vpcCidrs,
    primaryMac: identity.primaryMac,
    primaryIp: identity.primaryIpv4,
  });

  const discovered = await discoverEnis(imds, ec2, {
    instanceId: identity.instanceId,
    primaryMac: identity.primaryMac,
    manageUntaggedEni: config.manageUntaggedEni,
    imdsOnly: config.imdsOnlyMode,
  });
  const primary = discovered.find((eni) => eni.isPrimary);
  if (!primary)
    throw new Error(`the primary ENI (MAC ${identity.primaryMac}) is not among the attached ENIs`);
  const imdsPrimary = (await imds.listEnis()).find((eni) => eni.isPrimary);

  const managedCards = config.enableMultiNic
    ? managedNetworkCards(
        typeInfo.networkCards.map((c) => c.networkCardIndex),
        discovered,
      )
    : [0];
  const unmanagedEnis = new Set(
    discovered
      .filter(
        (eni) =>
          !eni.managed ||
          eni.interfaceType === 'efa-only' ||
          !managedCards.includes(eni.networkCard),
      )
      .map((eni) => eni.eniId),
  );

  const node: NodeFacts = {
    instanceId: identity.instanceId,
    instanceType: identity.instanceType,
    region: identity.region,
    availabilityZone: identity.availabilityZone,
    vpcId: primary.ec2?.vpcId ?? imdsPrimary?.vpcId ?? '',
    primaryMac: identity.primaryMac,
    primaryIp: identity.primaryIpv4,
    primaryEniId: primary.eniId,
    primarySubnetId: primary.subnetId,
    typeInfo,
    limits,
    connectionTracking: primary.ec2?.connectionTracking,
    live: { vpcCidrs, securityGroupIds, maxPods: 0 },
  };
  const maxPods = new NodeMaxPods({
    typeInfo,
    instanceType: identity.instanceType,
    settings: {
      prefixDelegation: limits.prefixDelegation,
      customNetworking: config.customNetworking,
      maxEni: config.maxEni,
    },
    override: deps.maxPods,
    nodeInfo: deps.nodeInfo,
    logger,
    metrics: deps.metrics,
  });
  node.live.maxPods = maxPods.value;

  const ec2Context: Ec2Context = {
    ec2,
    scheduler,
    random: deps.random ?? Math.random,
    logger,
    schedules: deps.eniRetrySchedules ?? REFERENCE_ENI_RETRY_SCHEDULES,
    tags: {
      instanceId: identity.instanceId,
      clusterName: config.clusterName,
      additionalTags: config.additionalEniTags,
    },
  };
  const cooldown = new ReconcileCooldown();
  const customNetworking = customNetworkingParts(deps, node);
  const placement =
    deps.placement?.(node) ??
    (customNetworking
      ? new EniConfigPlacement({
          desired: customNetworking.desired,
          node,
          created: (eni) => customNetworking.convergence.eniCreated(eni),
        })
      : new SubnetDiscoveryPlacement({ ec2, config, node, logger }));
  const actions = new EniActions({ ...deps, ec2Context, placement, node, cooldown });
  for (const eni of discovered) {
    if (eni.subnetCidr) actions.noteSubnetCidr(eni.subnetId, eni.subnetCidr);
    if (eni.ec2) customNetworking?.convergence.noteEni(eni.ec2);
  }

  const pools = managedCards.map((card) => {
    const datastore = new JournaledDatastore({
      clock: scheduler,
      cooldownMs: config.ipCooldownSeconds * 1000,
      networkCard: card,
      prefixDelegation: limits.prefixDelegation,
    });
    const checkpoint = new CheckpointWriter({
      path: checkpointPath(config.backingStorePath, card),
      datastore,
      after: (ms, fn) => scheduler.after(ms, fn),
      onCompactionError: (err) =>
        logger.warn({ card, err }, 'checkpoint compaction failed; the journal holds every change'),
      ...(deps.checkpointFs ? { fs: deps.checkpointFs } : {}),
    });
    return new CardPool({
      card,
      datastore,
      checkpoint,
      settings: poolSettings(config, card, limits, node.live.maxPods),
      maxEni: limits.maxEni,
      unmanagedEnis: discovered.filter(
        (eni) => eni.networkCard === card && unmanagedEnis.has(eni.eniId),
      ).length,
      scheduler,
    });
  });

  for (const pool of pools) {
    for (const eni of discovered.filter(
      (e) => e.networkCard === pool.card && !unmanagedEnis.has(e.eniId),
    )) {
      await adopt(deps, ec2Context, actions, pool, eni);
    }
  }

  const restoreReports = new Map<number, RestoreReport>();
  const liveLinks = config.disableHostNetworking ? undefined : await host.listLinkNames();
  for (const pool of pools) {
    const report = await restoreCheckpoint({
      path: pool.checkpoint.path,
      datastore: pool.datastore,
      liveLinkNames: liveLinks,
      fs: pool.checkpoint.fs,
    });
    restoreReports.set(pool.card, report);
    if (report.rulesToPrune.length > 0) await host.prunePodRules(report.rulesToPrune);
    // A torn journal end (kept in .dropped) or a journal set aside is worth an operator's look.
    const journalTrouble = report.journal?.tornTailBytes || report.journal?.keptAs;
    logger[journalTrouble ? 'warn' : 'info'](
      {
        card: pool.card,
        fresh: report.fresh,
        restored: report.restored.length,
        dropped: report.dropped.length,
        droppedFile: report.droppedFile,
        journal: report.journal,
        removedTempFiles: report.removedTempFiles,
      },
      'checkpoint restored',
    );
  }

  if (config.customNetworking) {
    for (const pool of pools) await excludePrimaryEni(deps, actions, pool);
  }
  if (!config.disableNetworkResourceProvisioning) {
    for (const pool of pools) {
      await excludeSubnets(deps, actions, pool);
      await releaseOtherModeCidrs(actions, pool, limits.prefixDelegation);
    }
  }

  await host.programPodRules(
    [...restoreReports.values()].flatMap((report) =>
      report.restored.map((r) => ({ ip: r.ip, routeTableId: r.routeTableId })),
    ),
  );
  await host.configureExternalServiceRules(config.externalServiceCidrs);
  return {
    node,
    pools,
    actions,
    ec2Context,
    cooldown,
    unmanagedEnis,
    restoreReports,
    maxPods,
    customNetworking,
  };
}

/**
 * Settings that need parts this build does not have yet (security groups for pods, IPv6), or a
 * port the caller did not give (the Kubernetes API for ENIConfig and pod annotations): refuse
 * clearly rather than run wrong.
 */
function refuseUnsupported(deps: NodePorts): void {
  const { config } = deps;
  const problems: string[] = [];
  if (config.enableIPv6)
    problems.push('ENABLE_IPv6=true (IPv6 pod addresses are not supported by this build yet)');
  if (config.enablePodEni)
    problems.push(
      'ENABLE_POD_ENI=true (security groups for pods: trunk and branch ENIs are not supported by this build yet)',
    );
  if (config.customNetworking && !(deps.nodeInfo && deps.eniConfigs))
    problems.push(
      'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true (needs the Kubernetes API for the Node and its ENIConfig)',
    );
  if (config.annotatePodIp && !deps.podAnnotator)
    problems.push('ANNOTATE_POD_IP=true (needs the Kubernetes API to patch pods)');
  if (problems.length > 0)
    throw new UnsupportedConfigError(`unsupported settings: ${problems.join('; ')}`);
}

function customNetworkingParts(
  deps: NodePorts,
  node: NodeFacts,
): CustomNetworkingParts | undefined {
  const { config, nodeInfo, eniConfigs, ec2, logger, metrics, events } = deps;
  if (!config.customNetworking || !nodeInfo || !eniConfigs) return undefined;
  const desired = new DesiredEniConfig({ config, nodeInfo, eniConfigs, logger, metrics, events });
  const convergence = new EniConfigConvergence({ desired, node, ec2, logger, metrics });
  return { desired, convergence };
}

/**
 * Custom networking gives the primary ENI no pod addresses — also none from secondary addresses
 * it already has (the reference would still hand those out; docs/compat.md). It is marked
 * excluded like an ENI in an excluded subnet; its unused addresses go back to EC2 and pods that
 * already have one keep it until their DEL.
 */
async function excludePrimaryEni(
  deps: NodePorts,
  actions: EniActions,
  pool: CardPool,
): Promise<void> {
  const primary = pool.datastore.enis().find((eni) => eni.isPrimary);
  if (!primary) return;
  pool.datastore.setExcludedForPodIps(primary.id, true);
  if (!deps.config.disableNetworkResourceProvisioning)
    await actions.releaseCidrs(pool, primary.id, pool.datastore.freeableCidrs(primary.id));
  deps.logger.info(
    { eniId: primary.id, keptForPods: primary.assigned },
    'custom networking: the primary ENI gives no pod addresses',
  );
}

/**
 * Cards to manage with ENABLE_MULTI_NIC: all but those whose only ENIs are efa-only, as the
 * reference decides which network cards are unmanaged.
 */
function managedNetworkCards(
  cards: readonly number[],
  discovered: readonly DiscoveredEni[],
): number[] {
  return [...cards]
    .sort((a, b) => a - b)
    .filter((card) => {
      const onCard = discovered.filter((eni) => eni.networkCard === card);
      return (
        card === 0 ||
        !onCard.some((eni) => eni.interfaceType === 'efa-only') ||
        onCard.some((eni) => eni.managed && eni.interfaceType !== 'efa-only')
      );
    });
}

export function poolSettings(
  config: Config,
  card: number,
  limits: { maxIPsPerEni: number; maxPrefixesPerEni: number; prefixDelegation: boolean },
  maxPods: number,
): PoolSettings {
  return {
    warmIpTarget: config.warmIpTarget,
    minimumIpTarget: config.minimumIpTarget,
    warmEniTarget: config.warmEniTarget,
    warmPrefixTarget: config.warmPrefixTarget,
    prefixDelegation: limits.prefixDelegation,
    maxIPsPerEni: limits.maxIPsPerEni,
    maxPrefixesPerEni: limits.maxPrefixesPerEni,
    maxPods,
    networkCard: card,
  };
}

async function adopt(
  deps: NodePorts,
  ec2Context: Ec2Context,
  actions: EniActions,
  pool: CardPool,
  eni: DiscoveredEni,
): Promise<void> {
  const { config, logger } = deps;
  if (!config.disableNetworkResourceProvisioning && eni.interfaceType !== 'trunk') {
    // The reference treats a failure here as fatal (missing IAM permissions show up at once).
    await ensureEniTags(ec2Context, eni.eniId, eni.tags);
    await ensureDeleteOnTermination(deps, eni);
  }
  const adopted = await actions.adoptEni(pool, eni);
  if (!adopted) logger.warn({ eniId: eni.eniId }, 'ENI skipped at init; reconcile will try again');
}

/**
 * An ENI this node's daemon created is attached first and gets DeleteOnTermination right after;
 * a daemon killed in between leaves it attached without, so it would outlive the instance.
 * Finish that step for ENIs with our description; ENIs someone else attached keep their setting.
 * A failure is only logged: the ENI is still usable, and the leaked-ENI cleanup is the net.
 */
async function ensureDeleteOnTermination(deps: NodePorts, eni: DiscoveredEni): Promise<void> {
  const attachment = eni.ec2?.attachment;
  if (eni.isPrimary || !attachment || attachment.deleteOnTermination) return;
  if (eni.ec2?.description !== eniDescription(deps.identity.instanceId)) return;
  try {
    await deps.ec2.setDeleteOnTermination(eni.eniId, attachment.attachmentId);
    deps.logger.info({ eniId: eni.eniId }, 'set DeleteOnTermination on an ENI left without it');
  } catch (error) {
    deps.logger.warn({ err: error, eniId: eni.eniId }, 'setting DeleteOnTermination failed');
  }
}

/** Marks ENIs in excluded subnets (IsExcludedForPodIPs) and gives back their unused addresses. */
async function excludeSubnets(deps: NodePorts, actions: EniActions, pool: CardPool): Promise<void> {
  if (!deps.config.enableSubnetDiscovery) return;
  const enis = pool.datastore.enis();
  const subnets = await deps.ec2.describeSubnets({
    subnetIds: [...new Set(enis.map((eni) => eni.subnetId))],
  });
  for (const eni of enis) {
    const subnet = subnets.find((s) => s.subnetId === eni.subnetId);
    if (eni.isPrimary || !isSubnetExcluded(subnet, deps.config.clusterName)) continue;
    pool.datastore.setExcludedForPodIps(eni.id, true);
    await actions.releaseCidrs(pool, eni.id, pool.datastore.freeableCidrs(eni.id));
    deps.logger.info(
      { eniId: eni.id, subnetId: eni.subnetId },
      'ENI is in an excluded subnet; no new pods on it',
    );
  }
}

/**
 * After a PD toggle: give back unassigned CIDRs of the kind the mode no longer uses (the
 * reference's nodeInit does the same mode-toggle cleanup).
 */
async function releaseOtherModeCidrs(
  actions: EniActions,
  pool: CardPool,
  prefixDelegation: boolean,
): Promise<void> {
  for (const eni of pool.datastore.enis()) {
    const otherKind = pool.datastore
      .freeableCidrs(eni.id)
      .filter((c) => c.isPrefix !== prefixDelegation);
    await actions.releaseCidrs(pool, eni.id, otherKind);
  }
}
