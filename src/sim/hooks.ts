import type { EniAttachmentEvent } from './api.ts';
import type { AttachmentRecord, SubnetRecord } from './model/types.ts';

export type TransitionKind = 'attached' | 'detached';

export interface TransitionHookOptions {
  readonly onEniAttached?: (event: EniAttachmentEvent) => void | Promise<void>;
  readonly onEniDetached?: (event: EniAttachmentEvent) => void | Promise<void>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly subnetOf: (id: string) => SubnetRecord | undefined;
}

interface Pending {
  readonly attachment: AttachmentRecord;
  readonly kind: TransitionKind;
}

/**
 * Calls onEniAttached / onEniDetached once per transition, when the transition's computed state
 * first flips: either when the background `sleep(latency)` ends (the clock has then reached the
 * transition) or when a later request observes the flipped state, whichever comes first. A hook
 * that throws or rejects is recorded, never propagated.
 */
export class TransitionHooks {
  private readonly options: TransitionHookOptions;
  private readonly pending = new Set<Pending>();
  private closed = false;
  /** The last error a hook raised, for the state dump. */
  lastError: string | undefined;

  constructor(options: TransitionHookOptions) {
    this.options = options;
  }

  schedule(attachment: AttachmentRecord, kind: TransitionKind, delayMs: number): void {
    const hook = kind === 'attached' ? this.options.onEniAttached : this.options.onEniDetached;
    if (!hook || this.closed) return;
    const entry: Pending = { attachment, kind };
    this.pending.add(entry);
    if (delayMs <= 0) {
      this.fire(entry);
      return;
    }
    this.options.sleep(delayMs).then(
      () => this.fireIfDue(entry),
      () => this.fireIfDue(entry),
    );
  }

  /** Fires every pending transition whose time has come. */
  fireDue(): void {
    for (const entry of [...this.pending]) this.fireIfDue(entry);
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
  }

  private fireIfDue(entry: Pending): void {
    if (!this.pending.has(entry) || this.closed) return;
    const due =
      entry.kind === 'attached' ? entry.attachment.attachedAt : entry.attachment.detachedAt;
    if (due === undefined || this.options.now() < due) return;
    this.fire(entry);
  }

  private fire(entry: Pending): void {
    this.pending.delete(entry);
    const hook =
      entry.kind === 'attached' ? this.options.onEniAttached : this.options.onEniDetached;
    if (!hook) return;
    const eni = entry.attachment.eni;
    const event: EniAttachmentEvent = {
      instanceId: entry.attachment.instanceId,
      eniId: eni.id,
      macAddress: eni.macAddress,
      deviceIndex: entry.attachment.deviceIndex,
      networkCardIndex: entry.attachment.networkCardIndex,
      primaryIp: eni.primaryIp,
      subnetId: eni.subnetId,
      subnetCidr: this.options.subnetOf(eni.subnetId)?.cidr ?? '',
    };
    try {
      Promise.resolve(hook(event)).catch((error: unknown) => this.record(entry, error));
    } catch (error) {
      this.record(entry, error);
    }
  }

  private record(entry: Pending, error: unknown): void {
    this.lastError = `on${entry.kind === 'attached' ? 'EniAttached' : 'EniDetached'}(${entry.attachment.eni.id}): ${
      error instanceof Error ? error.message : String(error)
    }`;
  }
}
