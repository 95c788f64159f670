import type {
  EniConfigSource,
  EventSink,
  NodeInfo,
  NodeView,
  PodAnnotator,
} from '../../../src/daemon/kubernetes-ports.ts';
import type { PodName } from '../../../src/ipam/pod-allocation.ts';

/** In-memory Kubernetes ports for the daemon's unit tests (the adapter has its own tests). */

export class FakeNodeInfo implements NodeInfo {
  synced = true;
  private view: NodeView | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(view?: Partial<NodeView>) {
    if (view) this.set(view);
  }

  set(view: Partial<NodeView>): void {
    this.view = {
      name: 'node-a',
      labels: {},
      annotations: {},
      capacityPods: undefined,
      ...this.view,
      ...view,
    };
    for (const listener of this.listeners) listener();
  }

  current(): NodeView | undefined {
    return this.view;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}

export class FakeEniConfigs implements EniConfigSource {
  synced = true;
  private readonly specs = new Map<string, unknown>();
  private readonly listeners: (() => void)[] = [];

  put(name: string, spec: unknown): void {
    this.specs.set(name, spec);
    for (const listener of this.listeners) listener();
  }

  delete(name: string): void {
    this.specs.delete(name);
    for (const listener of this.listeners) listener();
  }

  get(name: string): { readonly spec: unknown } | undefined {
    return this.specs.has(name) ? { spec: this.specs.get(name) } : undefined;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}

export class FakeEvents implements EventSink {
  readonly sent: { reason: string; message: string }[] = [];
  warning(reason: string, message: string): void {
    this.sent.push({ reason, message });
  }
  async flush(): Promise<void> {}
}

export class FakeAnnotator implements PodAnnotator {
  readonly calls: string[] = [];
  failing = false;
  async setPodIps(pod: PodName, ip: string): Promise<void> {
    this.calls.push(`set ${pod.namespace}/${pod.name} ${ip}`);
    if (this.failing) throw new Error('pods "x" is forbidden');
  }
  async clearPodIps(pod: PodName, ip: string): Promise<void> {
    this.calls.push(`clear ${pod.namespace}/${pod.name} ${ip}`);
  }
}
