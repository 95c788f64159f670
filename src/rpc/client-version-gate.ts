import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IpamdMetrics } from '../observe/metrics.ts';
import { EMPTY_VERSION, judgeClientVersion, UNPARSEABLE_VERSION } from './client-version.ts';
import { GrpcFailure } from './grpc-failure.ts';

/**
 * Keeps every ADD and DEL behind the client-version rule: refuses with FAILED_PRECONDITION,
 * counts the plugins it serves at another version (`vpcipamd_client_version_mismatch_total`), and
 * logs each such version the first time it is seen.
 */

/** Distinct version labels before further new ones count as `other`: the label set stays bounded. */
export const MAX_VERSION_LABELS = 16;

export class ClientVersionGate {
  private readonly ipamdVersion: string;
  private readonly logger: Logger;
  private readonly metrics: IpamdMetrics | undefined;
  private readonly seen = new Set<string>();
  private versionLabels = 0;

  constructor(ipamdVersion: string, logger: Logger, metrics?: IpamdMetrics) {
    this.ipamdVersion = ipamdVersion;
    this.logger = logger;
    this.metrics = metrics;
  }

  /** Throws the `GrpcFailure` a refused plugin gets. */
  check(clientVersion: string, method: string): void {
    const verdict = judgeClientVersion(clientVersion, this.ipamdVersion);
    if (!verdict.accepted) {
      this.logger.warn({ method, clientVersion, ipamdVersion: this.ipamdVersion }, verdict.message);
      throw new GrpcFailure(grpc.status.FAILED_PRECONDITION, verdict.message);
    }
    if (verdict.mismatch === undefined) return;
    const label = this.label(verdict.mismatch, clientVersion, method);
    this.metrics?.clientVersionMismatches.inc({ client_version: label });
  }

  private label(mismatch: string, clientVersion: string, method: string): string {
    if (this.seen.has(mismatch)) return mismatch;
    const isClass = mismatch === EMPTY_VERSION || mismatch === UNPARSEABLE_VERSION;
    if (!isClass) {
      if (this.versionLabels >= MAX_VERSION_LABELS) return 'other';
      this.versionLabels++;
    }
    this.seen.add(mismatch);
    this.logger.info(
      { method, clientVersion, ipamdVersion: this.ipamdVersion },
      'serving a CNI plugin of another version (same protocol)',
    );
    return mismatch;
  }
}
