import type { Ec2ApiObserver } from '../aws/api-metrics.ts';
import type { Ec2ClientOptions } from '../aws/ec2-client.ts';
import { createSdkEc2, type SdkEc2 } from '../aws/ec2-sdk.ts';
import { createImdsClient } from '../aws/imds.ts';
import type { ImdsPort, InstanceIdentity } from '../aws/imds-port.ts';
import type { Ec2RateLimiter } from '../aws/rate-limiter.ts';
import type { Config } from '../config/types.ts';
import type { Clock } from '../ipam/clock.ts';

/** The AWS side of a node's ports: IMDS, who this instance is, and EC2 acting for it. */
export interface AwsPorts {
  readonly imds: ImdsPort;
  readonly identity: InstanceIdentity;
  readonly ec2: SdkEc2;
  readonly rateLimiter: Ec2RateLimiter;
}

export interface AwsPortOptions {
  readonly observer: Ec2ApiObserver;
  /** Simulated time for IMDS token expiry, the client-side buckets and their waits. */
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Default: the SDK's provider chain. */
  readonly credentials?: Ec2ClientOptions['credentials'];
}

/**
 * IMDS first (it says which instance and region this is), then the EC2 SDK client acting for
 * that instance with the client-side buckets, as `vpc-ipamd run` and `plan` both need.
 */
export async function connectAws(config: Config, options: AwsPortOptions): Promise<AwsPorts> {
  const timing = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  };
  const imds = createImdsClient(config, timing);
  const identity = await imds.getInstanceIdentity();
  const { ec2, rateLimiter } = createSdkEc2(config, {
    region: config.region !== '' ? config.region : identity.region,
    instanceId: identity.instanceId,
    observer: options.observer,
    ...timing,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return { imds, identity, ec2, rateLimiter };
}
