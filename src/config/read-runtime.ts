import type { EnvReader } from './env-reader.ts';
import { parseRateLimits } from './parse-rate-limits.ts';
import { quote } from './quote.ts';
import type { Config } from './types.ts';

type RuntimeFields =
  | 'backingStorePath'
  | 'nodeName'
  | 'podName'
  | 'vpcCniVersion'
  | 'ec2Endpoint'
  | 'imdsEndpoint'
  | 'region'
  | 'httpTimeoutSeconds'
  | 'clusterEndpoint'
  | 'grpcSocketPath'
  | 'ec2RateLimits'
  | 'introspectionBindAddress'
  | 'metricsBindAddress'
  | 'disableIntrospection'
  | 'disableMetrics'
  | 'logLevel'
  | 'logFile';

/** Files, identity, endpoints and observability of the daemon process. */
export function readRuntime(r: EnvReader): Pick<Config, RuntimeFields> {
  const rateLimits = parseRateLimits(r.raw('EC2_API_RATE_LIMITS') ?? '');
  r.addWarnings(rateLimits.warnings);
  return {
    backingStorePath: r.string('AWS_VPC_K8S_CNI_BACKING_STORE', '/var/run/aws-node/ipam.json'),
    nodeName: r.string('MY_NODE_NAME', ''),
    podName: r.string('MY_POD_NAME', ''),
    vpcCniVersion: r.string('VPC_CNI_VERSION', ''),
    ec2Endpoint: r.string('AWS_EC2_ENDPOINT', ''),
    imdsEndpoint: r.string('AWS_EC2_METADATA_SERVICE_ENDPOINT', ''),
    // The AWS SDK's own precedence.
    region: r.nonEmpty('AWS_REGION') ?? r.string('AWS_DEFAULT_REGION', ''),
    httpTimeoutSeconds: r.intAtLeast('HTTP_TIMEOUT', 10, 10),
    clusterEndpoint: r.string('CLUSTER_ENDPOINT', ''),
    grpcSocketPath: readGrpcSocketPath(r),
    ec2RateLimits: rateLimits.value,
    introspectionBindAddress: r.string('INTROSPECTION_BIND_ADDRESS', '127.0.0.1:61679'),
    metricsBindAddress: r.string('METRICS_BIND_ADDRESS', ':61678'),
    disableIntrospection: r.boolA('DISABLE_INTROSPECTION', false),
    disableMetrics: r.boolA('DISABLE_METRICS', false),
    logLevel: readLogLevel(r),
    logFile: r.string('AWS_VPC_K8S_CNI_LOG_FILE', '/host/var/log/aws-routed-eni/ipamd.log'),
  };
}

const DEFAULT_GRPC_SOCKET = '/var/run/aws-node/ipamd.sock';

/**
 * The socket must be absolute: a relative path would be resolved against whatever directory the
 * daemon happens to start in, and the CNI plugin, started by kubelet elsewhere, would not find it.
 */
function readGrpcSocketPath(r: EnvReader): string {
  const path = r.string('IPAMD_GRPC_SOCKET', DEFAULT_GRPC_SOCKET);
  if (!path.startsWith('/')) {
    r.fatal(
      `IPAMD_GRPC_SOCKET=${quote(path)} is a relative path; set an absolute path such as ${DEFAULT_GRPC_SOCKET}`,
    );
  }
  return path;
}

/** The reference's level names (any case) mapped to pino's. */
const LOG_LEVELS: Readonly<Record<string, string>> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
};

function readLogLevel(r: EnvReader): string {
  const value = r.nonEmpty('AWS_VPC_K8S_CNI_LOGLEVEL');
  if (value === undefined) return 'debug';
  const key = value.toLowerCase();
  const level = Object.hasOwn(LOG_LEVELS, key) ? LOG_LEVELS[key] : undefined;
  if (level !== undefined) return level;
  r.warn(
    'AWS_VPC_K8S_CNI_LOGLEVEL',
    value,
    `AWS_VPC_K8S_CNI_LOGLEVEL=${quote(value)} is not debug, info, warn, error or fatal; using debug`,
  );
  return 'debug';
}
