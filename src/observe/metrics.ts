import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';

/**
 * Every Prometheus metric the daemon exports: the reference's `awscni_*` names, types and labels
 * (served on its `:61678/metrics`), so existing dashboards and alerts keep working, plus ours under
 * `vpcipamd_*`. One registry per daemon instance (never prom-client's global one), so tests can
 * run several daemons in one process.
 */
export class IpamdMetrics {
  readonly registry = new Registry();

  // ---- the reference's metrics -------------------------------------------------------------
  readonly buildInfo = this.gauge('awscni_build_info', 'Build information', [
    'version',
    'goversion',
  ]);
  readonly ipamdErrors = this.counter('awscni_ipamd_error_count', 'Number of errors ipamd hit', [
    'fn',
  ]);
  readonly actionInProgress = this.gauge(
    'awscni_ipamd_action_inprogress',
    'Number of ipamd actions in progress',
    ['fn'],
  );
  readonly eniMax = this.gauge('awscni_eni_max', 'Maximum number of ENIs that can be attached');
  readonly ipMax = this.gauge(
    'awscni_ip_max',
    'Maximum number of IP addresses that can be allocated',
  );
  readonly reconcileCount = this.counter(
    'awscni_reconcile_count',
    'Number of times ipamd reconciles ENIs and IP addresses',
    ['fn'],
  );
  readonly addIpRequests = this.counter(
    'awscni_add_ip_req_count',
    'Number of CNI AddNetwork calls',
  );
  readonly delIpRequests = this.counter(
    'awscni_del_ip_req_count',
    'Number of CNI DelNetwork calls',
    ['reason'],
  );
  readonly podEniErrors = this.counter(
    'awscni_pod_eni_error_count',
    'Number of errors for pod ENIs and custom networking',
    ['fn'],
  );
  readonly awsApiLatency = this.register(
    new Summary({
      name: 'awscni_aws_api_latency_ms',
      help: 'AWS API call latency in ms',
      labelNames: ['api', 'error', 'status'],
      registers: [],
    }),
  );
  readonly awsApiErrors = this.counter('awscni_aws_api_error_count', 'Number of AWS API errors', [
    'api',
    'error',
  ]);
  readonly awsUtilsErrors = this.counter(
    'awscni_aws_utils_error_count',
    'Number of errors not handled in awsutils',
    ['fn', 'error'],
  );
  readonly ec2ApiRequests = this.counter('awscni_ec2api_req_count', 'Number of calls to EC2', [
    'fn',
  ]);
  readonly ec2ApiErrors = this.counter('awscni_ec2api_error_count', 'Number of failed EC2 calls', [
    'fn',
  ]);
  readonly enisAllocated = this.gauge('awscni_eni_allocated', 'Number of ENIs allocated');
  readonly totalIpAddresses = this.gauge(
    'awscni_total_ip_addresses',
    'Total number of IP addresses',
  );
  readonly assignedIpAddresses = this.gauge(
    'awscni_assigned_ip_addresses',
    'Number of IP addresses assigned to pods',
  );
  readonly totalIpv4Prefixes = this.gauge(
    'awscni_total_ipv4_prefixes',
    'Total number of IPv4 prefixes',
  );
  readonly forceRemovedEnis = this.counter(
    'awscni_force_removed_enis',
    'Number of ENIs force-removed while they had assigned pods',
  );
  readonly forceRemovedIps = this.counter(
    'awscni_force_removed_ips',
    'Number of IPs force-removed while assigned to pods',
  );
  readonly assignedIpPerCidr = this.gauge(
    'awscni_assigned_ip_per_cidr',
    'Number of IPs assigned per CIDR',
    ['cidr'],
  );
  readonly assignedIpPerEni = this.gauge(
    'awscni_assigned_ip_per_eni',
    'Number of IPs assigned per ENI',
    ['eni'],
  );
  readonly noAvailableIpAddresses = this.counter(
    'awscni_no_available_ip_addresses',
    'Number of failed IP assignments because the pool was empty',
  );
  readonly startupDuration = this.histogram(
    'awscni_ipamd_startup_duration_seconds',
    'Time from process start to serving, in seconds',
    ['success', 'with_api_server', 'failure_reason'],
  );
  readonly nodeInitDuration = this.histogram(
    'awscni_ipamd_node_initialization_duration_seconds',
    'Duration of node initialisation, in seconds',
    ['success'],
  );
  readonly connmarkBackend = this.gauge(
    'awscni_connmark_backend',
    'Connmark backend in use (1 for the active one)',
    ['backend'],
  );
  readonly connmarkReconciles = this.counter(
    'awscni_connmark_reconcile_total',
    'Connmark rule reconciliations by result',
    ['result'],
  );

  // ---- ours --------------------------------------------------------------------------------
  readonly poolWakeups = this.counter(
    'vpcipamd_pool_wakeups_total',
    'Pool manager passes, by what woke it',
    ['reason'],
  );
  readonly addWaitSeconds = this.histogram(
    'vpcipamd_add_wait_seconds',
    'Time an AddNetwork waited for capacity, by outcome',
    ['outcome'],
    [0.005, 0.05, 0.25, 0.5, 1, 2, 5, 10, 30],
  );
  readonly waitingAdds = this.gauge(
    'vpcipamd_waiting_adds',
    'AddNetwork calls waiting for an address right now',
  );
  readonly ec2BucketTokens = this.gauge(
    'vpcipamd_ec2_bucket_tokens',
    'Tokens left in the client-side EC2 rate-limit bucket',
    ['bucket'],
  );
  readonly ec2ClientWaitSeconds = this.histogram(
    'vpcipamd_ec2_client_throttle_wait_seconds',
    'Time an EC2 call waited for a client-side token',
    ['bucket'],
    [0.01, 0.1, 0.5, 1, 5, 20, 60],
  );
  readonly clientVersionMismatches = this.counter(
    'vpcipamd_client_version_mismatch_total',
    'AddNetwork and DelNetwork calls served although the plugin sent another ClientVersion, by that version (vX.Y.Z; empty, unparseable, or other once 16 versions were seen)',
    ['client_version'],
  );
  readonly checkpointWrites = this.gauge(
    'vpcipamd_checkpoint_writes',
    'Checkpoint writes since start, by network card and result (read from the writers at scrape time)',
    ['card', 'result'],
  );

  readonly maxPods = this.gauge(
    'vpcipamd_max_pods',
    "The node's max pods (each card's cap on addresses), by source: kubelet (Node.status.capacity.pods), calculated (the max-pods calculator) or flag",
    ['source'],
  );
  readonly maxPodsServable = this.gauge(
    'vpcipamd_max_pods_servable',
    'Pods this node can serve: pod addresses on its usable ENIs + 2 host-network pods',
  );
  readonly eniConfigState = this.gauge(
    'vpcipamd_eni_config_state',
    "Custom networking: 1 for the state of the node's ENIConfig (ready, missing, invalid, no-node)",
    ['state'],
  );
  readonly eniConfigMismatchedEnis = this.gauge(
    'vpcipamd_eni_config_mismatched_enis',
    "Custom networking: ENIs whose subnet or security groups no longer match the node's ENIConfig (draining)",
  );
  readonly podAnnotations = this.counter(
    'vpcipamd_pod_annotations_total',
    'ANNOTATE_POD_IP: pod annotation updates, by operation (set, clear) and result',
    ['op', 'result'],
  );
  readonly prefixFallback = this.gauge(
    'vpcipamd_prefix_fallback',
    '1 while a card grows with /32 secondary addresses because no subnet had a /28 prefix left',
    ['card'],
  );
  readonly prefixFallbackAddresses = this.counter(
    'vpcipamd_prefix_fallback_addresses_total',
    '/32 secondary addresses added in place of /28 prefixes (no subnet had a /28 left)',
  );
  readonly kubernetesApiWaits = this.counter(
    'vpcipamd_kubernetes_api_wait_attempts_total',
    'Failed attempts to reach the Kubernetes API server while start-up waited for it',
  );

  constructor(version: string) {
    this.buildInfo.set({ version, goversion: process.version }, 1);
  }

  private register<T extends Counter | Gauge | Histogram | Summary>(metric: T): T {
    this.registry.registerMetric(metric);
    return metric;
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return this.register(new Counter({ name, help, labelNames, registers: [] }));
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> {
    return this.register(new Gauge({ name, help, labelNames, registers: [] }));
  }

  private histogram<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    buckets?: number[],
  ): Histogram<L> {
    return this.register(
      new Histogram({ name, help, labelNames, registers: [], ...(buckets ? { buckets } : {}) }),
    );
  }
}
