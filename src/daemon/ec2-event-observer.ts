import type { Ec2ApiObserver } from '../aws/api-metrics.ts';
import { EVENT_MISSING_IAM_PERMISSIONS, type EventSink } from './kubernetes-ports.ts';

/**
 * A Warning event `MissingIAMPermissions` on the aws-node pod for every EC2 action refused as
 * unauthorized (the reference's), so `kubectl describe pod aws-node-…` shows why the node is not
 * getting addresses. The sink deduplicates; `sink()` is asked at the time of the call, since the
 * Kubernetes connection may come up after EC2 is first used.
 */
export function missingPermissionEvents(sink: () => EventSink | undefined): Ec2ApiObserver {
  return {
    onCall(event) {
      if (event.outcome !== 'unauthorized') return;
      sink()?.warning(
        EVENT_MISSING_IAM_PERMISSIONS,
        `Unauthorized operation: failed to call ${event.action} due to missing permissions. Attach the VPC CNI's IAM policy (AmazonEKS_CNI_Policy) to the node's role`,
      );
    },
    onThrottled() {},
  };
}

/** One observer that tells several. */
export function allObservers(...observers: Ec2ApiObserver[]): Ec2ApiObserver {
  return {
    onCall: (event) => {
      for (const observer of observers) observer.onCall(event);
    },
    onThrottled: (action, code) => {
      for (const observer of observers) observer.onThrottled(action, code);
    },
  };
}
