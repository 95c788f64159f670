import * as grpc from '@grpc/grpc-js';

/**
 * grpc.health.v1.Health. The empty service and `grpc.health.v1.aws-node` report SERVING, as the
 * reference does; since the server only starts after node init, SERVING means "initialised".
 */

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

export const AWS_NODE_HEALTH_SERVICE = 'grpc.health.v1.aws-node';

interface CheckRequest {
  service: string;
}
interface CheckResponse {
  status: ServingStatus | 'SERVICE_UNKNOWN';
}

export class HealthStatus {
  private readonly statuses = new Map<string, ServingStatus>([
    ['', 'SERVING'],
    [AWS_NODE_HEALTH_SERVICE, 'SERVING'],
  ]);
  private readonly watchers = new Set<grpc.ServerWritableStream<CheckRequest, CheckResponse>>();

  set(status: ServingStatus, service = ''): void {
    this.statuses.set(service, status);
    for (const watcher of this.watchers) {
      if (watcher.request.service === service) watcher.write({ status });
    }
  }

  get(service = ''): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  handlers(): grpc.UntypedServiceImplementation {
    const check: grpc.handleUnaryCall<CheckRequest, CheckResponse> = (call, callback) => {
      const status = this.statuses.get(call.request.service);
      if (status === undefined) {
        callback({
          code: grpc.status.NOT_FOUND,
          details: `unknown service ${call.request.service}`,
        });
        return;
      }
      callback(null, { status });
    };
    const watch: grpc.handleServerStreamingCall<CheckRequest, CheckResponse> = (call) => {
      call.write({ status: this.statuses.get(call.request.service) ?? 'SERVICE_UNKNOWN' });
      this.watchers.add(call);
      call.on('cancelled', () => this.watchers.delete(call));
      call.on('close', () => this.watchers.delete(call));
    };
    return { Check: check, Watch: watch };
  }
}
