/**
 * A small Kubernetes API server on node:http for tests, spoken to by the real
 * @kubernetes/client-node (no kube-apiserver can run here). It keeps nodes, ENIConfigs
 * (`eniconfigs.crd.k8s.amazonaws.com/v1alpha1`, cluster-scoped), pods and events in memory with
 * one resourceVersion counter, and serves what the daemon uses: list, watch streams (replay from a
 * resourceVersion, bookmarks, `410 Gone` after `compact()`, server-side timeouts), GET, pod PATCH
 * (merge, strategic merge as merge, JSON patch with `test`), event POST and /version. `restart()`
 * drops every connection and listens again on the same port, keeping the objects.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type KubeObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; resourceVersion?: string };
};

interface Collection {
  readonly kind: string;
  readonly apiVersion: string;
  readonly objects: Map<string, KubeObject>;
}

interface LogEntry {
  readonly rv: number;
  readonly collection: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

interface Watcher {
  readonly collection: string;
  readonly name: string | undefined;
  readonly bookmarks: boolean;
  readonly response: ServerResponse;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

const NODES = '/api/v1/nodes';
export const ENI_CONFIGS = '/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs';
const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/;
const EVENTS_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/events$/;

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  readonly events: KubeObject[] = [];
  private readonly collections = new Map<string, Collection>([
    [NODES, { kind: 'Node', apiVersion: 'v1', objects: new Map() }],
    [
      ENI_CONFIGS,
      { kind: 'ENIConfig', apiVersion: 'crd.k8s.amazonaws.com/v1alpha1', objects: new Map() },
    ],
  ]);
  private readonly pods = new Map<string, KubeObject>();
  private readonly log: LogEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private readonly faults: { prefix: string; status: number; left: number }[] = [];
  private rv = 100;
  /** Watches from a resourceVersion below this get 410 Gone. */
  private oldestRv = 0;
  private server: Server;
  private readonly token: string | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'fake-kube-'));
  port = 0;

  private constructor(token: string | undefined) {
    this.token = token;
    this.server = this.newServer();
  }

  static async start(options: { token?: string } = {}): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(options.token);
    await api.listen(0);
    return api;
  }

  /** The resourceVersion of the last change. */
  get resourceVersion(): number {
    return this.rv;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig file naming this server (and the token, when one is required). */
  kubeconfig(): string {
    const path = join(this.dir, 'kubeconfig');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
        'users:',
        `- name: tester\n  user:\n    token: ${this.token ?? 'none'}`,
        'contexts:',
        '- name: fake\n  context:\n    cluster: fake\n    user: tester',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return path;
  }

  // ---- objects ------------------------------------------------------------------------------

  putNode(
    name: string,
    fields: {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      capacityPods?: number;
    } = {},
  ): void {
    this.put(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: fields.labels ?? {}, annotations: fields.annotations ?? {} },
      status:
        fields.capacityPods === undefined
          ? {}
          : { capacity: { pods: String(fields.capacityPods) } },
    });
  }

  /** Changes a node's labels/annotations (a value of null removes the key). */
  patchNode(
    name: string,
    change: {
      labels?: Record<string, string | null>;
      annotations?: Record<string, string | null>;
      capacityPods?: number;
    },
  ): void {
    const node = structuredClone(this.collections.get(NODES)!.objects.get(name));
    if (!node) throw new Error(`no node ${name}`);
    for (const field of ['labels', 'annotations'] as const) {
      const values = { ...((node.metadata[field] as Record<string, string>) ?? {}) };
      for (const [key, value] of Object.entries(change[field] ?? {})) {
        if (value === null) delete values[key];
        else values[key] = value;
      }
      node.metadata[field] = values;
    }
    if (change.capacityPods !== undefined)
      node.status = { capacity: { pods: String(change.capacityPods) } };
    this.put(NODES, node);
  }

  putEniConfig(name: string, spec: Record<string, unknown>): void {
    this.put(ENI_CONFIGS, {
      apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
      kind: 'ENIConfig',
      metadata: { name },
      spec,
    });
  }

  deleteEniConfig(name: string): void {
    this.remove(ENI_CONFIGS, name);
  }

  putPod(namespace: string, name: string, annotations: Record<string, string> = {}): void {
    this.pods.set(`${namespace}/${name}`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, annotations, resourceVersion: String(++this.rv) },
    });
  }

  podAnnotations(namespace: string, name: string): Record<string, string> | undefined {
    return this.pods.get(`${namespace}/${name}`)?.metadata.annotations as
      | Record<string, string>
      | undefined;
  }

  // ---- behaviour ----------------------------------------------------------------------------

  /** Open watch streams on `path` (nodes or ENIConfigs). */
  watching(path: string): number {
    return [...this.watchers].filter((w) => w.collection === path).length;
  }

  /** Every open watch that asked for bookmarks gets one at the current resourceVersion. */
  sendBookmarks(): void {
    for (const watcher of this.watchers) {
      if (!watcher.bookmarks) continue;
      const { kind, apiVersion } = this.collections.get(watcher.collection)!;
      this.write(watcher, 'BOOKMARK', {
        kind,
        apiVersion,
        metadata: { name: '', resourceVersion: String(this.rv) },
      });
    }
  }

  /** Forgets the change history: a watch from any earlier resourceVersion gets 410 Gone. */
  compact(): void {
    this.oldestRv = this.rv;
    this.log.length = 0;
  }

  /** Ends every open watch stream (as an API server does at its timeout). */
  endWatches(): void {
    for (const watcher of this.watchers) watcher.response.end();
    this.watchers.clear();
  }

  /** The next `count` requests whose path starts with `prefix` answer `status`. */
  failNext(prefix: string, status: number, count = 1): void {
    this.faults.push({ prefix, status, left: count });
  }

  /** Drops every connection and listens again on the same port; objects are kept. */
  async restart(whileDown?: () => void | Promise<void>): Promise<void> {
    await this.shutdown();
    await whileDown?.();
    this.server = this.newServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.shutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- internals ----------------------------------------------------------------------------

  private newServer(): Server {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) this.status(response, 500, String(error));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        const address = this.server.address();
        if (address && typeof address === 'object') this.port = address.port;
        resolve();
      });
    });
  }

  private shutdown(): Promise<void> {
    this.watchers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }

  private put(path: string, object: KubeObject): void {
    const collection = this.collections.get(path)!;
    const existed = collection.objects.has(object.metadata.name);
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.rv);
    collection.objects.set(stored.metadata.name, stored);
    this.publish({
      rv: this.rv,
      collection: path,
      type: existed ? 'MODIFIED' : 'ADDED',
      object: stored,
    });
  }

  private remove(path: string, name: string): void {
    const collection = this.collections.get(path)!;
    const object = collection.objects.get(name);
    if (!object) return;
    collection.objects.delete(name);
    const gone = structuredClone(object);
    gone.metadata.resourceVersion = String(++this.rv);
    this.publish({ rv: this.rv, collection: path, type: 'DELETED', object: gone });
  }

  private publish(entry: LogEntry): void {
    this.log.push(entry);
    for (const watcher of this.watchers) {
      if (watcher.collection !== entry.collection) continue;
      if (watcher.name !== undefined && watcher.name !== entry.object.metadata.name) continue;
      this.write(watcher, entry.type, entry.object);
    }
  }

  private write(watcher: Watcher, type: string, object: unknown): void {
    watcher.response.write(`${JSON.stringify({ type, object })}\n`);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const body = await readBody(request);
    this.requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query,
      contentType: request.headers['content-type'],
      body,
    });
    if (this.token !== undefined && request.headers.authorization !== `Bearer ${this.token}`) {
      return this.status(response, 401, 'Unauthorized');
    }
    const fault = this.faults.find((f) => f.left > 0 && url.pathname.startsWith(f.prefix));
    if (fault) {
      fault.left--;
      return this.status(response, fault.status, `injected ${fault.status}`);
    }
    const method = request.method ?? 'GET';
    if (url.pathname === '/version') {
      return this.json(response, 200, { major: '1', minor: '30', gitVersion: 'v1.30.0-fake' });
    }
    for (const [path, collection] of this.collections) {
      if (url.pathname === path && method === 'GET') {
        const name = nameSelector(query.fieldSelector);
        if (query.watch === 'true' || query.watch === '1') {
          return this.watch(response, path, name, query);
        }
        const items = [...collection.objects.values()].filter(
          (o) => name === undefined || o.metadata.name === name,
        );
        return this.json(response, 200, {
          kind: `${collection.kind}List`,
          apiVersion: collection.apiVersion,
          metadata: { resourceVersion: String(this.rv) },
          items,
        });
      }
      if (url.pathname.startsWith(`${path}/`) && method === 'GET') {
        const found = collection.objects.get(
          decodeURIComponent(url.pathname.slice(path.length + 1)),
        );
        return found ? this.json(response, 200, found) : this.status(response, 404, 'NotFound');
      }
    }
    const pod = POD_PATH.exec(url.pathname);
    if (pod) {
      const key = `${decodeURIComponent(pod[1]!)}/${decodeURIComponent(pod[2]!)}`;
      const found = this.pods.get(key);
      if (!found) return this.status(response, 404, `pods "${pod[2]}" not found`);
      if (method === 'GET') return this.json(response, 200, found);
      if (method === 'PATCH') {
        const patched = applyPatch(found, request.headers['content-type'] ?? '', body);
        if (!patched) return this.status(response, 422, 'the test operation failed');
        patched.metadata.resourceVersion = String(++this.rv);
        this.pods.set(key, patched);
        return this.json(response, 200, patched);
      }
    }
    const events = EVENTS_PATH.exec(url.pathname);
    if (events && method === 'POST') {
      const event = structuredClone(body) as KubeObject;
      event.metadata = {
        ...event.metadata,
        name: `${String(event.metadata?.generateName ?? 'event.')}${this.events.length + 1}`,
        namespace: events[1],
        resourceVersion: String(++this.rv),
      };
      this.events.push(event);
      return this.json(response, 201, event);
    }
    return this.status(response, 404, `no route ${method} ${url.pathname}`);
  }

  private watch(
    response: ServerResponse,
    path: string,
    name: string | undefined,
    query: Record<string, string>,
  ): void {
    response.writeHead(200, { 'content-type': 'application/json' });
    const from = query.resourceVersion ?? '';
    const watcher: Watcher = {
      collection: path,
      name,
      bookmarks: query.allowWatchBookmarks === 'true',
      response,
    };
    if (from !== '' && from !== '0' && Number(from) < this.oldestRv) {
      this.write(watcher, 'ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Expired',
        message: `too old resource version: ${from} (${this.oldestRv})`,
        code: 410,
      });
      response.end();
      return;
    }
    if (from === '' || from === '0') {
      for (const object of this.collections.get(path)!.objects.values())
        if (name === undefined || object.metadata.name === name)
          this.write(watcher, 'ADDED', object);
    } else {
      for (const entry of this.log)
        if (
          entry.collection === path &&
          entry.rv > Number(from) &&
          (name === undefined || entry.object.metadata.name === name)
        )
          this.write(watcher, entry.type, entry.object);
    }
    this.watchers.add(watcher);
    const timeout = Number(query.timeoutSeconds ?? 0);
    const timer =
      timeout > 0
        ? setTimeout(() => {
            this.watchers.delete(watcher);
            response.end();
          }, timeout * 1000)
        : undefined;
    response.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(watcher);
    });
  }

  private json(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  private status(response: ServerResponse, code: number, message: string): void {
    this.json(response, code, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message,
      code,
    });
  }
}

function nameSelector(selector: string | undefined): string | undefined {
  const match = /^metadata\.name=(.+)$/.exec(selector ?? '');
  return match ? match[1] : undefined;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

/** The patched copy, or undefined when a JSON patch `test` failed. */
function applyPatch(
  object: KubeObject,
  contentType: string,
  patch: unknown,
): KubeObject | undefined {
  const copy = structuredClone(object);
  if (contentType.startsWith('application/json-patch+json')) {
    for (const op of patch as { op: string; path: string; value?: unknown }[]) {
      const keys = op.path
        .split('/')
        .slice(1)
        .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
      const last = keys.pop()!;
      let parent = copy as Record<string, unknown>;
      for (const key of keys) {
        parent[key] ??= {};
        parent = parent[key] as Record<string, unknown>;
      }
      if (op.op === 'test' && parent[last] !== op.value) return undefined;
      if (op.op === 'replace' || op.op === 'add') parent[last] = op.value;
      if (op.op === 'remove') delete parent[last];
    }
    return copy;
  }
  mergeInto(copy, patch as Record<string, unknown>);
  return copy;
}

function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (typeof value === 'object' && !Array.isArray(value)) {
      const inner = (target[key] ?? {}) as Record<string, unknown>;
      mergeInto(inner, value as Record<string, unknown>);
      target[key] = inner;
    } else target[key] = value;
  }
}
