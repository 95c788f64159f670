import type {
  AddNetworkReply,
  AddNetworkRequest,
  DelNetworkReply,
  DelNetworkRequest,
} from '../../wire/rpc-messages.ts';
import { LatencyStats } from './latency-stats.ts';
import { addRequest, delRequest, PodFactory, type PodIdentity } from './pod-identity.ts';

/**
 * The demo's pods, driven through ipamd's real gRPC API the way kubelet and the CNI plugin would:
 * a scripted number of wanted pods (ramp up in bursts, hold, churn, scale down, hold, again), and
 * a kubelet-like loop that sends ADDs for missing pods and DELs for extra ones, all concurrently.
 * A failed ADD is not retried with the same sandbox: like kubelet, a new sandbox (new container
 * ID) is tried after a back-off.
 */

export interface PodApi {
  addNetwork(request: AddNetworkRequest, deadlineMs?: number): Promise<AddNetworkReply>;
  delNetwork(request: DelNetworkRequest, deadlineMs?: number): Promise<DelNetworkReply>;
}

export type WorkloadPhase = 'ramp' | 'hold' | 'churn' | 'scale-down' | 'low';

export interface WorkloadOptions {
  readonly api: PodApi;
  /** Pods at the top of the ramp. */
  readonly peak: number;
  /** Pods added per burst while ramping. */
  readonly burst: number;
  readonly random?: () => number;
}

/** How long each step of the script lasts, in ms. */
const TIMING = {
  burstEveryMs: 2_000,
  holdMs: 10_000,
  churnMs: 30_000,
  churnEveryMs: 3_000,
  lowMs: 20_000,
  /** kubelet's back-off before a new sandbox after a failed ADD. */
  retryAfterMs: 1_000,
  /** The kubelet loop's period. */
  loopMs: 100,
  /** gRPC deadline of one call; ADDs may wait for capacity (ADD_WAIT_SECONDS) inside it. */
  callDeadlineMs: 30_000,
};
/** Share of the peak kept in the low phase. */
const LOW_SHARE = 0.3;
/**
 * Share of the running pods replaced per churn step: about what the warm pool absorbs while
 * freed addresses sit out their 30 s cool-down (faster churn makes ADDs fail, as it would with
 * the reference).
 */
const CHURN_SHARE = 0.05;

type PodState = 'adding' | 'running' | 'deleting';

export class Workload {
  phase: WorkloadPhase = 'ramp';
  wanted = 0;
  adds = 0;
  failedAdds = 0;
  dels = 0;
  failedDels = 0;
  /** Why the last ADD failed (the gRPC error, or the daemon's refusal). */
  lastAddError: string | undefined;
  readonly addLatency = new LatencyStats();
  private readonly options: WorkloadOptions;
  private readonly random: () => number;
  private readonly factory: PodFactory;
  private readonly pods = new Map<string, { pod: PodIdentity; state: PodState }>();
  private nextStartAt = 0;

  constructor(options: WorkloadOptions) {
    this.options = options;
    this.random = options.random ?? Math.random;
    this.factory = new PodFactory(this.random);
  }

  /** Pods that hold an address (ADD answered, no DEL sent yet). */
  get running(): number {
    let count = 0;
    for (const entry of this.pods.values()) if (entry.state === 'running') count++;
    return count;
  }

  /** Runs the script over and over until `signal` aborts; calls in flight are left to finish. */
  async run(signal: AbortSignal): Promise<void> {
    const loop = setInterval(() => this.reconcile(signal), TIMING.loopMs);
    try {
      while (!signal.aborted) await this.cycle(signal);
    } finally {
      clearInterval(loop);
    }
  }

  private async cycle(signal: AbortSignal): Promise<void> {
    const { peak, burst } = this.options;
    this.phase = 'ramp';
    while (this.wanted < peak) {
      this.wanted = Math.min(peak, this.wanted + burst);
      if (!(await sleep(TIMING.burstEveryMs, signal))) return;
    }
    this.phase = 'hold';
    if (!(await sleep(TIMING.holdMs, signal))) return;
    this.phase = 'churn';
    for (let t = 0; t < TIMING.churnMs; t += TIMING.churnEveryMs) {
      this.deleteRandom(Math.max(1, Math.round(this.running * CHURN_SHARE)), signal);
      if (!(await sleep(TIMING.churnEveryMs, signal))) return;
    }
    this.phase = 'scale-down';
    this.wanted = Math.max(1, Math.round(peak * LOW_SHARE));
    if (!(await sleep(TIMING.burstEveryMs, signal))) return;
    this.phase = 'low';
    await sleep(TIMING.lowMs, signal);
  }

  /** kubelet: ADD for missing pods (after the back-off), DEL for extra ones. */
  private reconcile(signal: AbortSignal): void {
    if (signal.aborted) return;
    let active = 0;
    for (const entry of this.pods.values()) if (entry.state !== 'deleting') active++;
    if (active < this.wanted && Date.now() >= this.nextStartAt) {
      for (let i = active; i < this.wanted; i++) this.add(this.factory.next(), signal);
    } else if (active > this.wanted) {
      this.deleteRandom(active - this.wanted, signal);
    }
  }

  private add(pod: PodIdentity, signal: AbortSignal): void {
    this.pods.set(pod.containerId, { pod, state: 'adding' });
    const started = Date.now();
    this.adds++;
    this.options.api.addNetwork(addRequest(pod), TIMING.callDeadlineMs).then(
      (reply) => {
        if (reply.Success) {
          this.addLatency.add(Date.now() - started);
          this.pods.set(pod.containerId, { pod, state: 'running' });
        } else this.addFailed(pod, signal, 'the daemon answered Success=false (no address)');
      },
      (error: unknown) => this.addFailed(pod, signal, (error as Error).message),
    );
  }

  private addFailed(pod: PodIdentity, signal: AbortSignal, why: string): void {
    this.pods.delete(pod.containerId);
    // Calls cut short by the stop are not the daemon's failures.
    if (signal.aborted) return;
    this.failedAdds++;
    this.lastAddError = why;
    this.nextStartAt = Date.now() + TIMING.retryAfterMs;
  }

  private deleteRandom(count: number, signal: AbortSignal): void {
    const running = [...this.pods.values()].filter((entry) => entry.state === 'running');
    for (let i = 0; i < count && running.length > 0; i++) {
      const [victim] = running.splice(Math.floor(this.random() * running.length), 1);
      if (victim) this.delete(victim.pod, signal);
    }
  }

  private delete(pod: PodIdentity, signal: AbortSignal): void {
    this.pods.set(pod.containerId, { pod, state: 'deleting' });
    this.dels++;
    this.options.api.delNetwork(delRequest(pod), TIMING.callDeadlineMs).then(
      () => this.pods.delete(pod.containerId),
      () => {
        // The pod still holds its address as far as we know; keep it running for a later DEL.
        this.pods.set(pod.containerId, { pod, state: 'running' });
        if (!signal.aborted) this.failedDels++;
      },
    );
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
