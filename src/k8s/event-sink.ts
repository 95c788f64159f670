import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import type { EventSink } from '../daemon/kubernetes-ports.ts';
import type { Logger } from '../observe/logger.ts';
import { errorText } from './resource-watch.ts';

/** The same reason and message go out again only after this long. */
const REPEAT_AFTER_MS = 10 * 60_000;
/** `flush` gives up on the API after this long (it runs when the daemon is about to exit). */
const FLUSH_LIMIT_MS = 3_000;

export interface PodEventSinkOptions {
  readonly core: CoreV1Api;
  /** The aws-node pod (MY_POD_NAME) and its namespace. */
  readonly podName: string;
  readonly namespace: string;
  /** MY_NODE_NAME, as the event's source host. */
  readonly nodeName: string;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** The daemon's EventSink port: core/v1 Events about the aws-node pod (RBAC: events create). */
export class PodEventSink implements EventSink {
  private readonly options: PodEventSinkOptions;
  private readonly lastSent = new Map<string, number>();
  private pending: Promise<void> = Promise.resolve();

  constructor(options: PodEventSinkOptions) {
    this.options = options;
  }

  warning(reason: string, message: string): void {
    const now = (this.options.now ?? Date.now)();
    const key = `${reason}\n${message}`;
    const last = this.lastSent.get(key);
    if (last !== undefined && now - last < REPEAT_AFTER_MS) return;
    this.lastSent.set(key, now);
    this.pending = this.pending.then(() => this.send(reason, message, now));
  }

  async flush(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.pending,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FLUSH_LIMIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  private async send(reason: string, message: string, at: number): Promise<void> {
    const { core, podName, namespace, nodeName, logger } = this.options;
    const time = new Date(at);
    const body: CoreV1Event = {
      metadata: { generateName: `${podName}.`, namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: podName, namespace },
      reason,
      message,
      type: 'Warning',
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      source: { component: 'aws-node', host: nodeName },
      reportingComponent: 'aws-node',
      reportingInstance: nodeName,
    };
    try {
      await core.createNamespacedEvent({ namespace, body });
    } catch (error) {
      logger.warn({ reason, err: errorText(error) }, 'sending a Kubernetes event failed');
    }
  }
}
