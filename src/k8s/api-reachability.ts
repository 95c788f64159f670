import { type KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { Logger } from '../observe/logger.ts';
import { errorText, statusOf } from './resource-watch.ts';

/** The reference polls every 2 s while a setting needs the API. */
export const API_POLL_MS = 2_000;
const ATTEMPT_TIMEOUT_MS = 5_000;

export interface ReachabilityOptions {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  /** The settings that need the API, named in the log line. */
  readonly requiredBy: readonly string[];
  readonly logger: Logger;
  /** After each failed attempt, with the number of attempts so far (for a metric). */
  readonly onWaiting?: (attempts: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Blocks until the API server answers `GET /version` (start-up step 2 of the reference), saying
 * so on every attempt. Credentials the server refuses (401/403) do not get better by waiting:
 * that ends the wait with an error naming the server.
 */
export async function waitForApiServer(options: ReachabilityOptions): Promise<void> {
  const api = options.kubeConfig.makeApiClient(VersionApi);
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempts = 1; ; attempts++) {
    try {
      await withTimeout(api.getCode(), ATTEMPT_TIMEOUT_MS);
      if (attempts > 1) options.logger.info({ server: options.server }, 'Kubernetes API reachable');
      return;
    } catch (error) {
      const status = statusOf(error);
      if (status === 401 || status === 403) {
        throw new Error(
          `the Kubernetes API server ${options.server} refused our credentials (${status}): ${errorText(error)}`,
        );
      }
      options.onWaiting?.(attempts);
      options.logger.warn(
        {
          server: options.server,
          neededBy: options.requiredBy,
          attempt: attempts,
          err: errorText(error),
        },
        'waiting for the Kubernetes API server',
      );
      await sleep(API_POLL_MS);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
