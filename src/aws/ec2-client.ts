import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { Config } from '../config/types.ts';
import type { Ec2ApiObserver } from './api-metrics.ts';
import { classifyEc2Error } from './errors.ts';

/** The parts of Config the EC2 client is built from. */
export type Ec2ClientConfig = Pick<Config, 'ec2Endpoint' | 'httpTimeoutSeconds' | 'vpcCniVersion'>;

export interface Ec2ClientOptions {
  /** From Config.region, else the instance identity document (IMDS). */
  readonly region: string;
  /** Default: the SDK's provider chain (environment, web identity, IMDS role, …). */
  readonly credentials?: EC2ClientConfig['credentials'];
  /** The SDK's standard retry strategy: total attempts per call; default 3 (the SDK's default). */
  readonly maxAttempts?: number;
}

/** Name of the user-agent product the reference appends VPC_CNI_VERSION to. */
export const USER_AGENT_PRODUCT = 'amazon-vpc-cni-k8s';

/**
 * The EC2 SDK client. Unlike the reference, AWS_EC2_ENDPOINT is applied to this client (the
 * reference only gave it to the IMDS client's config: docs/compat.md).
 */
export function createEc2SdkClient(config: Ec2ClientConfig, options: Ec2ClientOptions): EC2Client {
  const timeoutMs = config.httpTimeoutSeconds * 1000;
  return new EC2Client({
    region: options.region,
    ...(config.ec2Endpoint !== '' ? { endpoint: config.ec2Endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    },
    ...(config.vpcCniVersion !== ''
      ? { customUserAgent: [[USER_AGENT_PRODUCT, config.vpcCniVersion]] }
      : {}),
  });
}

const THROTTLE_OBSERVER_NAME = 'vpcIpamdThrottleObserver';

/**
 * Reports every HTTP attempt EC2 answers with a throttling error, including those the SDK's own
 * retry hides. It sits in the deserialize step, inside the retry loop, so it sees each attempt.
 * One observer per client: installing again replaces the previous one.
 */
export function observeThrottling(client: EC2Client, observer: Ec2ApiObserver): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const info = classifyEc2Error(err);
        if (info.kind === 'throttled') {
          const action = (context.commandName ?? 'Unknown').replace(/Command$/, '');
          observer.onThrottled(action, info.code);
        }
        throw err;
      }
    },
    { step: 'deserialize', name: THROTTLE_OBSERVER_NAME, priority: 'high', override: true },
  );
}
