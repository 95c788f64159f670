import type { Server } from 'node:http';
import { createSdkEc2 } from '../aws/ec2-sdk.ts';
import { createImdsClient } from '../aws/imds.ts';
import { loadConfig } from '../config/index.ts';
import type { Config, Environment } from '../config/types.ts';
import { createHostNetwork } from '../host/create-host-network.ts';
import type { HostNetwork } from '../host/host-network.ts';
import { ipamdEnvSettings, networkUtilsEnvSettings } from '../observe/env-settings-view.ts';
import { closeServer, listen, parseListenAddress } from '../observe/http-listener.ts';
import { createIntrospectionServer } from '../observe/introspection.ts';
import { createLogger, type Logger } from '../observe/logger.ts';
import { IpamdMetrics } from '../observe/metrics.ts';
import { createMetricsServer } from '../observe/metrics-server.ts';
import { type RunningGrpcServer, startGrpcServer } from '../rpc/server.ts';
import { VERSION } from '../version.ts';
import { ec2MetricsObserver } from './ec2-metrics.ts';
import { Ipamd } from './ipamd.ts';
import { realScheduler, type Scheduler } from './scheduler.ts';

export interface DaemonOptions {
  readonly env: Environment;
  readonly scheduler?: Scheduler;
  /** Default: from AWS_VPC_K8S_CNI_LOG_FILE / AWS_VPC_K8S_CNI_LOGLEVEL. */
  readonly logger?: Logger;
  /** Default: from Config (iptables/iproute2, or nothing with DISABLE_HOST_NETWORKING). */
  readonly host?: HostNetwork;
}

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
 * the reference does, so that a healthy gRPC probe means "initialised" — the gRPC server.
 */
export async function runDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const startedAt = Date.now();
  const { config, warnings } = loadConfig(options.env);
  const logger = options.logger ?? createLogger({ level: config.logLevel, file: config.logFile });
  for (const warning of warnings)
    logger.warn({ variable: warning.variable, value: warning.value }, warning.message);
  const scheduler = options.scheduler ?? realScheduler;
  const metrics = new IpamdMetrics(VERSION);
  try {
    const imds = createImdsClient(config);
    const identity = await imds.getInstanceIdentity();
    const region = config.region !== '' ? config.region : identity.region;
    const { ec2, rateLimiter } = createSdkEc2(config, {
      region,
      instanceId: identity.instanceId,
      observer: ec2MetricsObserver(metrics),
    });
    const host = options.host ?? createHostNetwork(config, { log: logger });
    const ipamd = await Ipamd.start({
      config,
      identity,
      imds,
      ec2,
      host,
      scheduler,
      logger,
      metrics,
    });

    const servers: Server[] = [];
    let metricsAddress: string | undefined;
    if (!config.disableMetrics) {
      const server = createMetricsServer(metrics.registry, () => {
        ipamd.refreshMetrics();
        for (const [bucket, level] of Object.entries(rateLimiter.levels()))
          metrics.ec2BucketTokens.set({ bucket }, level);
      });
      metricsAddress = await listen(server, parseListenAddress(config.metricsBindAddress));
      servers.push(server);
    }
    let introspectionAddress: string | undefined;
    if (!config.disableIntrospection) {
      const server = createIntrospectionServer(
        {
          enis: () => ipamd.introspectEnis(),
          // Without the Kubernetes API the Node cannot be read: the reference answers 404 then.
          eniConfigName: async () => undefined,
          networkUtilsEnvSettings: () => networkUtilsEnvSettings(config),
          ipamdEnvSettings: () => ipamdEnvSettings(config),
        },
        logger,
      );
      introspectionAddress = await listen(
        server,
        parseListenAddress(config.introspectionBindAddress),
      );
      servers.push(server);
    }
    const grpc = await startGrpcServer({
      socketPath: config.grpcSocketPath,
      service: ipamd.podNetwork,
      version: VERSION,
      logger,
      metrics,
    });
    ipamd.startTimers();
    metrics.startupDuration.observe(
      { success: 'true', with_api_server: 'false', failure_reason: '' },
      (Date.now() - startedAt) / 1000,
    );
    logger.info(
      { version: VERSION, socket: config.grpcSocketPath, metricsAddress, introspectionAddress },
      'ipamd serving',
    );

    return {
      config,
      ipamd,
      logger,
      grpc,
      metricsAddress,
      introspectionAddress,
      terminate: () => ipamd.terminate(),
      async stop() {
        await grpc.close();
        await Promise.all(servers.map((server) => closeServer(server)));
        await ipamd.stop();
        logger.info('ipamd stopped');
        logger.flush?.();
      },
    };
  } catch (error) {
    metrics.startupDuration.observe(
      {
        success: 'false',
        with_api_server: 'false',
        failure_reason: (error as Error).name ?? 'Error',
      },
      (Date.now() - startedAt) / 1000,
    );
    logger.fatal({ err: error }, 'ipamd failed to start');
    logger.flush?.();
    throw error;
  }
}
