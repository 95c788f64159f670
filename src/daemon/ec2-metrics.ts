import type { Ec2ApiObserver } from '../aws/api-metrics.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';

/**
 * Feeds the EC2 adapter's call reports into the reference's AWS metrics:
 * awscni_aws_api_latency_ms{api,error,status}, awscni_ec2api_req_count{fn},
 * awscni_ec2api_error_count{fn}, awscni_aws_api_error_count{api,error}, and our client-side wait.
 */
export function ec2MetricsObserver(metrics: IpamdMetrics): Ec2ApiObserver {
  return {
    onCall(event) {
      const failed = event.outcome !== 'success';
      metrics.ec2ApiRequests.inc({ fn: event.action });
      metrics.awsApiLatency.observe(
        {
          api: event.action,
          error: String(failed),
          status: failed ? String(event.httpStatus ?? 0) : '200',
        },
        event.latencyMs,
      );
      if (failed) {
        metrics.ec2ApiErrors.inc({ fn: event.action });
        // A call that ended throttled: its last attempt was already counted by onThrottled.
        if (event.outcome !== 'throttled')
          metrics.awsApiErrors.inc({ api: event.action, error: event.errorCode ?? event.outcome });
      }
      if (event.rateLimitWaitMs > 0)
        metrics.ec2ClientWaitSeconds.observe(
          { bucket: event.bucket },
          event.rateLimitWaitMs / 1000,
        );
    },
    onThrottled(action, errorCode) {
      metrics.awsApiErrors.inc({ api: action, error: errorCode });
    },
  };
}
