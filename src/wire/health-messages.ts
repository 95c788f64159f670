import { field } from './field-kinds.ts';
import { type MessageCodec, messageCodec } from './message-codec.ts';

/** grpc.health.v1 (proto/health.proto): what `vpc-ipamd probe` and kubelet's probes exchange. */

/** HealthCheckResponse.ServingStatus by name; index = the enum's number. */
export const SERVING_STATUSES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
export type HealthServingStatus = (typeof SERVING_STATUSES)[number];

export interface HealthCheckRequest {
  service: string;
}

export interface HealthCheckResponse {
  status: HealthServingStatus;
}

export const healthCheckRequestCodec: MessageCodec<HealthCheckRequest> = messageCodec(
  'grpc.health.v1.HealthCheckRequest',
  { service: field.string(1) },
);

export const healthCheckResponseCodec: MessageCodec<HealthCheckResponse> = messageCodec(
  'grpc.health.v1.HealthCheckResponse',
  { status: field.enumeration(1, SERVING_STATUSES) },
);
