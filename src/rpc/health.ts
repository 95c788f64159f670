import * as grpc from '@grpc/grpc-js';
import type { HealthCheckRequest, HealthCheckResponse } from '../wire/health-messages.ts';
import { malformedRequest, type Received } from './grpc-definitions.ts';

/**
 * grpc.health.v1.Health. The empty service and `grpc.health.v1.aws-node` report SERVING, as the
 * reference does; since the server only starts after node init, SERVING means "initialised".
 */

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

export const AWS_NODE_HEALTH_SERVICE = 'grpc.health.v1.aws-node';

type Request = Received<HealthCheckRequest>;

export class HealthStatus {
  private readonly statuses = new Map<string, ServingStatus>([
    ['', 'SERVING'],
    [AWS_NODE_HEALTH_SERVICE, 'SERVING'],
  ]);
  private readonly watchers = new Map<
    grpc.ServerWritableStream<Request, HealthCheckResponse>,
    string
  >();

  set(status: ServingStatus, service = ''): void {
    this.statuses.set(service, status);
    for (const [watcher, watched] of this.watchers) {
      if (watched === service) watcher.write({ status });
    }
  }

  get(service = ''): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  handlers(): grpc.UntypedServiceImplementation {
    const check: grpc.handleUnaryCall<Request, HealthCheckResponse> = (call, callback) => {
      const { request } = call;
      if (!request.ok) {
        callback(malformedRequest(request.error));
        return;
      }
      const status = this.statuses.get(request.message.service);
      if (status === undefined) {
        callback({
          code: grpc.status.NOT_FOUND,
          details: `unknown service ${request.message.service}`,
        });
        return;
      }
      callback(null, { status });
    };
    const watch: grpc.handleServerStreamingCall<Request, HealthCheckResponse> = (call) => {
      const { request } = call;
      if (!request.ok) {
        call.emit('error', malformedRequest(request.error));
        return;
      }
      const { service } = request.message;
      call.write({ status: this.statuses.get(service) ?? 'SERVICE_UNKNOWN' });
      this.watchers.set(call, service);
      call.on('cancelled', () => this.watchers.delete(call));
      call.on('close', () => this.watchers.delete(call));
    };
    return { Check: check, Watch: watch };
  }
}
