import type { Server } from 'node:http';
import { isEc2Error } from '../aws/errors.ts';
import { loadConfig } from '../config/index.ts';
import type { Config, Environment } from '../config/types.ts';
import { createHostNetwork } from '../host/create-host-network.ts';
import type { HostNetwork } from '../host/host-network.ts';
import { ipamdEnvSettings, networkUtilsEnvSettings } from '../observe/env-settings-view.ts';
import {
  closeServer,
  type ListenTarget,
  listen,
  parseListenAddress,
} from '../observe/http-listener.ts';
import { createIntrospectionServer } from '../observe/introspection.ts';
import { createLogger, type Logger } from '../observe/logger.ts';
import { IpamdMetrics } from '../observe/metrics.ts';
import { createMetricsServer } from '../observe/metrics-server.ts';
import { type RunningGrpcServer, startGrpcServer } from '../rpc/server.ts';
import { VERSION } from '../version.ts';
import { connectAws } from './aws-ports.ts';
import { allObservers, missingPermissionEvents } from './ec2-event-observer.ts';
import { ec2MetricsObserver } from './ec2-metrics.ts';
import { Ipamd } from './ipamd.ts';
import type { EventSink } from './kubernetes-ports.ts';
import { type KubernetesUse, kubernetesUse } from './kubernetes-use.ts';
import { realScheduler, type Scheduler } from './scheduler.ts';

export interface DaemonOptions {
  readonly env: Environment;
  readonly scheduler?: Scheduler;
  /** Default: from AWS_VPC_K8S_CNI_LOG_FILE / AWS_VPC_K8S_CNI_LOGLEVEL. */
  readonly logger?: Logger;
  /** Default: from Config (iptables/iproute2, or nothing with DISABLE_HOST_NETWORKING). */
  readonly host?: HostNetwork;
}

/** The Kubernetes connection's surface run-daemon uses (src/k8s/connect.ts, loaded on demand). */
type KubernetesConnection = Awaited<
  ReturnType<typeof import('../k8s/connect.ts')['connectKubernetes']>
>;

export interface RunningDaemon {
  readonly config: Config;
  readonly ipamd: Ipamd;
  readonly logger: Logger;
  readonly grpc: RunningGrpcServer;
  /** Bound addresses, e.g. '127.0.0.1:61679' or 'unix:/run/x.sock'; undefined when disabled. */
  readonly metricsAddress: string | undefined;
  readonly introspectionAddress: string | undefined;
  /** SIGTERM: stop growth and ENI frees, keep serving (the reference). */
  terminate(): void;
  /** Stop everything; resolves once the checkpoint is flushed and the socket removed. */
  stop(): Promise<void>;
}

/**
 * Starts ipamd the way `vpc-ipamd run` does: config from the environment, IMDS, the EC2 SDK
 * client, host networking, node init, then the metrics and introspection servers and — last, as
 * the reference does, so that a healthy gRPC probe means "initialised" — the gRPC server. If a
 * step fails, whatever the earlier ones opened is closed again and the error names its cause in
 * one line (the variable, or EC2).
 */
export async function runDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const startedAt = Date.now();
  const { config, warnings } = loadConfig(options.env);
  // Settings that need the Kubernetes API it cannot have are refused like the configuration.
  const kubernetes = kubernetesUse(config, options.env);
  // Bind addresses are checked before anything starts, like the configuration.
  const metricsTarget = config.disableMetrics
    ? undefined
    : bindTarget('METRICS_BIND_ADDRESS', config.metricsBindAddress);
  const introspectionTarget = config.disableIntrospection
    ? undefined
    : bindTarget('INTROSPECTION_BIND_ADDRESS', config.introspectionBindAddress);
  const logger = options.logger ?? createLogger({ level: config.logLevel, file: config.logFile });
  for (const warning of warnings)
    logger.warn({ variable: warning.variable, value: warning.value }, warning.message);
  const scheduler = options.scheduler ?? realScheduler;
  const metrics = new IpamdMetrics(VERSION);
  // What start-up has opened so far, closed again (last first) when a later step fails.
  const opened: (() => Promise<void>)[] = [];
  let ipamd: Ipamd | undefined;
  let rateLimiterLevels: (() => Record<string, number>) | undefined;
  let events: EventSink | undefined;
  let kube: KubernetesConnection | undefined;
  try {
    const servers: Server[] = [];
    const serve = async (variable: string, server: Server, target: BindTarget) => {
      const address = await listen(server, target).catch((error: unknown) => {
        throw failureOf(variable, target.text, error);
      });
      servers.push(server);
      opened.push(() => closeServer(server));
      return address;
    };
    // Metrics first: a start-up that waits for the Kubernetes API shows it there.
    let metricsAddress: string | undefined;
    if (metricsTarget) {
      const server = createMetricsServer(metrics.registry, () => {
        ipamd?.refreshMetrics();
        for (const [bucket, level] of Object.entries(rateLimiterLevels?.() ?? {}))
          metrics.ec2BucketTokens.set({ bucket }, level);
      });
      metricsAddress = await serve('METRICS_BIND_ADDRESS', server, metricsTarget);
      logger.info({ address: metricsAddress }, 'metrics listening');
    }
    const [connection, aws] = await Promise.all([
      connectKubernetesIfUsed(kubernetes, config, options.env, logger, metrics),
      connectAws(config, {
        observer: allObservers(
          ec2MetricsObserver(metrics),
          missingPermissionEvents(() => events),
        ),
      }),
    ]);
    kube = connection;
    events = kube?.events;
    if (kube) {
      const closing = kube;
      opened.push(async () => closing.close());
    }
    const { imds, identity, ec2, rateLimiter } = aws;
    rateLimiterLevels = () => rateLimiter.levels();
    const host = options.host ?? createHostNetwork(config, { log: logger });
    const started = await Ipamd.start({
      config,
      identity,
      imds,
      ec2,
      host,
      scheduler,
      logger,
      metrics,
      ...(kube?.nodeInfo ? { nodeInfo: kube.nodeInfo } : {}),
      ...(kube?.eniConfigs ? { eniConfigs: kube.eniConfigs } : {}),
      ...(kube?.podAnnotator ? { podAnnotator: kube.podAnnotator } : {}),
      ...(kube?.events ? { events: kube.events } : {}),
    });
    ipamd = started;
    opened.push(() => started.stop());

    let introspectionAddress: string | undefined;
    if (introspectionTarget) {
      const server = createIntrospectionServer(
        {
          enis: () => started.introspectEnis(),
          // Without the Kubernetes API the Node cannot be read: the reference answers 404 then.
          eniConfigName: async () => started.eniConfigName(),
          eniConfigStatus: () => started.eniConfigStatus(),
          maxPods: () => started.maxPodsView(),
          networkUtilsEnvSettings: () => networkUtilsEnvSettings(config),
          ipamdEnvSettings: () => ipamdEnvSettings(config),
        },
        logger,
      );
      introspectionAddress = await serve('INTROSPECTION_BIND_ADDRESS', server, introspectionTarget);
      logger.info({ address: introspectionAddress }, 'introspection listening');
    }
    const grpc = await startGrpcServer({
      socketPath: config.grpcSocketPath,
      service: started.podNetwork,
      version: VERSION,
      logger,
      metrics,
    }).catch((error: unknown) => {
      throw failureOf('IPAMD_GRPC_SOCKET', config.grpcSocketPath, error);
    });
    opened.push(() => grpc.close());
    started.startTimers();
    metrics.startupDuration.observe(
      { success: 'true', with_api_server: String(kube !== undefined), failure_reason: '' },
      (Date.now() - startedAt) / 1000,
    );
    logger.info(
      { version: VERSION, socket: config.grpcSocketPath, metricsAddress, introspectionAddress },
      'ipamd serving',
    );

    return {
      config,
      ipamd: started,
      logger,
      grpc,
      metricsAddress,
      introspectionAddress,
      terminate: () => started.terminate(),
      async stop() {
        await grpc.close();
        await Promise.all(servers.map((server) => closeServer(server)));
        await started.stop();
        kube?.close();
        logger.info('ipamd stopped');
        logger.flush?.();
      },
    };
  } catch (error) {
    // Events (MissingIAMPermissions) must reach the API server before the process exits.
    await events?.flush();
    for (const close of opened.reverse()) {
      await close().catch((closeError: unknown) =>
        logger.warn({ err: closeError }, 'closing after a failed start-up'),
      );
    }
    metrics.startupDuration.observe(
      {
        success: 'false',
        with_api_server: String(kube !== undefined),
        failure_reason: (error as Error).name ?? 'Error',
      },
      (Date.now() - startedAt) / 1000,
    );
    logger.fatal({ err: error }, 'ipamd failed to start');
    await new Promise<void>((resolve) =>
      logger.flush ? logger.flush(() => resolve()) : resolve(),
    );
    throw isEc2Error(error) ? ec2StartFailure(error, config) : error;
  }
}

/**
 * Loads @kubernetes/client-node (only now: `run` without a setting that uses the API never does)
 * and connects: blocking until the API answers when a setting needs it, in the background
 * otherwise.
 */
async function connectKubernetesIfUsed(
  use: KubernetesUse,
  config: Config,
  env: Environment,
  logger: Logger,
  metrics: IpamdMetrics,
): Promise<KubernetesConnection | undefined> {
  if (!use.enabled) return undefined;
  const { connectKubernetes } = await import('../k8s/connect.ts');
  return connectKubernetes({
    env,
    nodeName: config.nodeName,
    podName: config.podName,
    clusterEndpoint: config.clusterEndpoint,
    customNetworking: config.customNetworking,
    annotatePodIp: config.annotatePodIp,
    requiredBy: use.requiredBy,
    logger,
    onWaiting: () => metrics.kubernetesApiWaits.inc(),
  });
}

/** A bind address parsed up front; its text is kept for the failure line. */
type BindTarget = ListenTarget & { readonly text: string };

function bindTarget(variable: string, text: string): BindTarget {
  try {
    return { ...parseListenAddress(text), text };
  } catch (error) {
    throw failureOf(variable, text, error);
  }
}

/** One line naming the setting that led to `error`, e.g. `METRICS_BIND_ADDRESS=":1": listen …`. */
function failureOf(variable: string, value: string, error: unknown): Error {
  return new Error(`${variable}=${JSON.stringify(value)}: ${(error as Error).message}`, {
    cause: error,
  });
}

/** An EC2 failure at start-up says it was EC2, and where the endpoint was if it was set. */
function ec2StartFailure(error: Error, config: Config): Error {
  const endpoint = config.ec2Endpoint === '' ? '' : ` (AWS_EC2_ENDPOINT=${config.ec2Endpoint})`;
  return new Error(`EC2 ${error.message}${endpoint}`, { cause: error });
}
