import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../../ipam/clock.ts';
import { closeServer, HOST, listen } from '../http.ts';
import { ImdsTokens, MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS } from './tokens.ts';
import { type ImdsDirectory, resolveImdsPath } from './tree.ts';

export interface ImdsServerOptions {
  readonly port: number;
  readonly clock: Clock;
  /** Runs first for every request (the region settles its clock-driven state and counts it). */
  readonly onRequest: () => void;
  /** What IMDS shows at this moment. */
  readonly tree: () => ImdsDirectory;
}

const TOKEN_PATH = '/latest/api/token';

/**
 * One instance's metadata service, IMDSv2 only: `PUT /latest/api/token` with a TTL header gives a
 * token; every GET needs a valid one (missing, unknown or expired → 401). Paths under `/latest/`
 * come from the instance's metadata tree; anything else is 404.
 */
export class ImdsServer {
  private readonly options: ImdsServerOptions;
  private readonly tokens: ImdsTokens;
  private readonly server: Server;
  endpoint = '';

  constructor(options: ImdsServerOptions) {
    this.options = options;
    this.tokens = new ImdsTokens(options.clock);
    this.server = createServer((request, response) => this.serve(request, response));
    this.server.keepAliveTimeout = 1000;
  }

  async start(): Promise<string> {
    const port = await listen(this.server, this.options.port);
    this.endpoint = `http://${HOST}:${port}`;
    return this.endpoint;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    // The body of a metadata request means nothing; drain it so the connection can be reused.
    request.resume();
    try {
      this.options.onRequest();
      const path = new URL(request.url ?? '/', 'http://imds').pathname;
      if (path === TOKEN_PATH) {
        this.issueToken(request, response);
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        reply(response, 405, '405 - Method Not Allowed');
        return;
      }
      const token = request.headers['x-aws-ec2-metadata-token'];
      if (!this.tokens.isValid(Array.isArray(token) ? token[0] : token)) {
        reply(response, 401, '401 - Unauthorized');
        return;
      }
      const body = path.startsWith('/latest/')
        ? resolveImdsPath(this.options.tree(), path.slice('/latest/'.length))
        : undefined;
      if (body === undefined) reply(response, 404, '404 - Not Found');
      else reply(response, 200, body);
    } catch (error) {
      reply(
        response,
        500,
        `500 - Internal Server Error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private issueToken(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'PUT') {
      reply(response, 405, '405 - Method Not Allowed');
      return;
    }
    // IMDS refuses token requests that went through a proxy.
    if (request.headers['x-forwarded-for'] !== undefined) {
      reply(response, 403, '403 - Forbidden');
      return;
    }
    const header = request.headers['x-aws-ec2-metadata-token-ttl-seconds'];
    const text = Array.isArray(header) ? header[0] : header;
    const ttl = text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
    if (!(ttl >= MIN_TOKEN_TTL_SECONDS && ttl <= MAX_TOKEN_TTL_SECONDS)) {
      reply(response, 400, '400 - Bad Request');
      return;
    }
    response.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
    reply(response, 200, this.tokens.issue(ttl));
  }
}

function reply(response: ServerResponse, status: number, body: string): void {
  response.statusCode = status;
  response.setHeader('content-type', status === 200 ? 'text/plain' : 'text/html');
  response.setHeader('content-length', Buffer.byteLength(body));
  response.setHeader('server', 'EC2ws');
  response.end(body);
}
