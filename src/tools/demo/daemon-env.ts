import type { Environment } from '../../config/types.ts';

/** Where the demo's daemon keeps its files, all in one temp dir. */
export interface DaemonPaths {
  readonly socket: string;
  readonly checkpoint: string;
  readonly log: string;
}

export interface SimulatorEndpoints {
  readonly ec2Endpoint: string;
  readonly imdsEndpoint: string;
  readonly region: string;
}

/**
 * The daemon's whole environment, `env -i` style: PATH, the simulator's endpoints with dummy
 * credentials, files in the temp dir, servers on free loopback ports, host networking off, and the
 * user's pool settings. Nothing else is inherited (no NODE_OPTIONS, NODE_EXTRA_CA_CERTS, real AWS
 * credentials or profile).
 */
export function daemonEnvironment(
  sim: SimulatorEndpoints,
  paths: DaemonPaths,
  settings: Environment,
  path: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) env[name] = value;
  return {
    AWS_VPC_K8S_CNI_LOGLEVEL: 'info',
    ...env,
    PATH: path,
    AWS_EC2_ENDPOINT: sim.ec2Endpoint,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: sim.imdsEndpoint,
    AWS_REGION: sim.region,
    AWS_ACCESS_KEY_ID: 'AKIDVPCIPAMDDEMO',
    AWS_SECRET_ACCESS_KEY: 'vpc-ipamd-demo',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DISABLE_HOST_NETWORKING: 'true',
    IPAMD_GRPC_SOCKET: paths.socket,
    AWS_VPC_K8S_CNI_BACKING_STORE: paths.checkpoint,
    AWS_VPC_K8S_CNI_LOG_FILE: paths.log,
    METRICS_BIND_ADDRESS: '127.0.0.1:0',
    INTROSPECTION_BIND_ADDRESS: '127.0.0.1:0',
  };
}
