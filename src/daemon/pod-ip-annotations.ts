import type { PodName } from '../ipam/pod-allocation.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import type { PodAnnotator } from './kubernetes-ports.ts';

/**
 * ANNOTATE_POD_IP: after an ADD the pod gets `vpc.amazonaws.com/pod-ips`, after its DEL the
 * annotation is cleared if it still holds that address. Runs beside the gRPC reply, never in its
 * way: a failure is logged and counted and the pod keeps its address (the reference fails the ADD
 * instead; docs/compat.md). Updates of one pod go out in the order of its ADDs and DELs.
 */
export class PodIpAnnotations {
  private readonly annotator: PodAnnotator;
  private readonly logger: Logger;
  private readonly metrics: IpamdMetrics;
  private readonly tails = new Map<string, Promise<void>>();

  constructor(deps: { annotator: PodAnnotator; logger: Logger; metrics: IpamdMetrics }) {
    this.annotator = deps.annotator;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
  }

  assigned(pod: PodName, ip: string): void {
    this.enqueue(pod, ip, 'set', () => this.annotator.setPodIps(pod, ip));
  }

  released(pod: PodName, ip: string): void {
    this.enqueue(pod, ip, 'clear', () => this.annotator.clearPodIps(pod, ip));
  }

  /** Resolves once every update queued so far has been tried. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }

  private enqueue(pod: PodName, ip: string, op: 'set' | 'clear', update: () => Promise<void>) {
    if (pod.name === '' || pod.namespace === '') return;
    const key = `${pod.namespace}/${pod.name}`;
    const run = (this.tails.get(key) ?? Promise.resolve()).then(async () => {
      try {
        await update();
        this.metrics.podAnnotations.inc({ op, result: 'ok' });
      } catch (error) {
        this.metrics.podAnnotations.inc({ op, result: 'failed' });
        this.logger.warn(
          { pod: key, ip, op, err: error instanceof Error ? error.message.split('\n')[0] : error },
          'updating the pod annotation vpc.amazonaws.com/pod-ips failed; the pod keeps its address',
        );
      }
    });
    this.tails.set(key, run);
    void run.then(() => {
      if (this.tails.get(key) === run) this.tails.delete(key);
    });
  }
}
