import type { Watch } from '@kubernetes/client-node';
import type { Logger } from '../observe/logger.ts';

/**
 * An informer for one kind of object: list, then watch from the list's resourceVersion (with
 * bookmarks, so a reconnect resumes where the stream was), keeping a cache by name. A watch the
 * server ends is resumed at once; a failed one after a back-off (0.5 s doubling to 10 s); `410
 * Gone` (the version is too old) relists. Listeners hear every change and, every `resyncMs`, a
 * resync with nothing changed, so handlers that act on the cache get to try again.
 */

export interface WatchedObject {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
}

export interface ObjectList<T> {
  readonly items: readonly T[];
  readonly metadata?: { readonly resourceVersion?: string };
}

export interface ResourceWatchOptions<T> {
  /** For log lines, e.g. 'node ip-10-0-0-1' or 'ENIConfigs'. */
  readonly what: string;
  /** The collection's API path, e.g. '/api/v1/nodes'. */
  readonly path: string;
  readonly fieldSelector?: string;
  readonly list: () => Promise<ObjectList<T>>;
  readonly watch: Pick<Watch, 'watch'>;
  readonly logger: Logger;
  /** Default 10 minutes. */
  readonly resyncMs?: number;
  /** Asked of the server, which then ends the stream; default 300. */
  readonly timeoutSeconds?: number;
}

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
const DEFAULT_RESYNC_MS = 10 * 60_000;
const DEFAULT_TIMEOUT_SECONDS = 300;
/** A stream still open this long after its server-side timeout is given up (a dead connection). */
const STALL_GRACE_MS = 30_000;

/** How one watch stream ended. */
type StreamEnd = 'closed' | 'gone';

export interface WatchCounters {
  lists: number;
  watches: number;
  failures: number;
  gone: number;
}

export class ResourceWatch<T extends WatchedObject> {
  readonly counters: WatchCounters = { lists: 0, watches: 0, failures: 0, gone: 0 };
  private readonly options: ResourceWatchOptions<T>;
  private readonly objects = new Map<string, T>();
  private readonly listeners: (() => void)[] = [];
  private readonly syncWaiters: (() => void)[] = [];
  private resourceVersion = '';
  private stopped = false;
  private running = false;
  private isSynced = false;
  private abort: (() => void) | undefined;
  private wakeRetry: (() => void) | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(options: ResourceWatchOptions<T>) {
    this.options = options;
  }

  get synced(): boolean {
    return this.isSynced;
  }

  get(name: string): T | undefined {
    return this.objects.get(name);
  }

  items(): T[] {
    return [...this.objects.values()];
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Resolves after the first successful list. */
  whenSynced(): Promise<void> {
    if (this.isSynced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    const resyncMs = this.options.resyncMs ?? DEFAULT_RESYNC_MS;
    this.resyncTimer = setInterval(() => this.notify(), resyncMs);
    this.resyncTimer.unref();
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.abort?.();
    this.wakeRetry?.();
  }

  private async loop(): Promise<void> {
    const { logger, what } = this.options;
    let failures = 0;
    let goneInARow = 0;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === '') await this.relist();
        const end = await this.watchOnce();
        failures = 0;
        if (end === 'gone') {
          this.counters.gone++;
          logger.info({ what }, 'watch resource version expired (410 Gone); listing again');
          this.resourceVersion = '';
          // A fresh list's version already too old means a confused server: do not spin on it.
          if (++goneInARow > 1)
            await this.pause(Math.min(RETRY_FIRST_MS * 2 ** goneInARow, RETRY_MAX_MS));
        } else goneInARow = 0;
      } catch (error) {
        if (this.stopped) break;
        this.counters.failures++;
        const delay = Math.min(RETRY_FIRST_MS * 2 ** failures, RETRY_MAX_MS);
        failures++;
        logger.warn(
          { what, err: errorText(error), retryInMs: delay },
          'Kubernetes watch failed; reconnecting',
        );
        await this.pause(delay);
      }
    }
    this.running = false;
  }

  private async relist(): Promise<void> {
    const list = await this.options.list();
    this.counters.lists++;
    const fresh = new Map<string, T>();
    for (const item of list.items) fresh.set(item.metadata?.name ?? '', item);
    const changed =
      fresh.size !== this.objects.size ||
      [...fresh].some(([name, item]) => versionOf(this.objects.get(name)) !== versionOf(item));
    this.objects.clear();
    for (const [name, item] of fresh) this.objects.set(name, item);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    const first = !this.isSynced;
    this.isSynced = true;
    if (first) for (const resolve of this.syncWaiters.splice(0)) resolve();
    if (changed || first) this.notify();
  }

  /** One watch stream from the current resourceVersion, until the server or an error ends it. */
  private watchOnce(): Promise<StreamEnd> {
    const { path, fieldSelector, watch } = this.options;
    const timeoutSeconds = this.options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    this.counters.watches++;
    return new Promise<StreamEnd>((resolve, reject) => {
      let gone = false;
      let failure: unknown;
      let settled = false;
      const stall = setTimeout(() => this.abort?.(), timeoutSeconds * 1000 + STALL_GRACE_MS);
      stall.unref();
      const finish = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(stall);
        this.abort = undefined;
        const cause = failure ?? error;
        if (gone || statusOf(cause) === 410) resolve('gone');
        else if (cause) reject(cause);
        else resolve('closed');
      };
      const query: Record<string, string | number | boolean> = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
      };
      if (fieldSelector) query.fieldSelector = fieldSelector;
      watch
        .watch(
          path,
          query,
          (type: string, object: unknown) => {
            if (type === 'ERROR') {
              const code = (object as { code?: number } | undefined)?.code;
              if (code === 410) gone = true;
              else failure = new Error(`watch error event: ${JSON.stringify(object)}`);
              return;
            }
            this.apply(type, object as T);
          },
          finish,
        )
        .then((controller) => {
          this.abort = () => controller.abort();
          if (this.stopped || settled) controller.abort();
        }, finish);
    });
  }

  private apply(type: string, object: T): void {
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    const name = object.metadata?.name ?? '';
    if (type === 'ADDED' || type === 'MODIFIED') this.objects.set(name, object);
    else if (type === 'DELETED') this.objects.delete(name);
    else return;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.options.logger.error({ what: this.options.what, err: error }, 'watch listener failed');
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function versionOf(object: WatchedObject | undefined): string | undefined {
  return object?.metadata?.resourceVersion;
}

/** The HTTP status an API failure carries (client-node's `statusCode` or `code`). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** One line for a log: client-node's ApiException message carries headers and bodies. */
export function errorText(error: unknown): string {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0] ?? message;
  return status !== undefined && !first.includes(String(status)) ? `${status} ${first}` : first;
}
