import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/**
 * The introspection HTTP API (the reference's introspection handlers): its paths and JSON shapes.
 * `/v1/pods` is deliberately absent, as in v1.23.1. Unknown paths list the commands — the
 * reference's four; our additions (`/v1/eni-config-status`, `/v1/max-pods`) are served but not
 * listed, so tools that compare the list keep working.
 */

export interface IntrospectionSources {
  /** `/v1/enis`: card index → the datastore view (containerID/ifName already scrubbed). */
  enis(): unknown;
  /** `/v1/eni-configs`: the node's ENIConfig name, or undefined when the Node can't be read (→ 404). */
  eniConfigName(): Promise<string | undefined>;
  /** `/v1/eni-config-status` (ours): custom networking's ENIConfig, why none, mismatched ENIs. */
  eniConfigStatus?(): unknown;
  /** `/v1/max-pods` (ours): the node's max pods, where it came from, what the node can serve. */
  maxPods?(): unknown;
  networkUtilsEnvSettings(): unknown;
  ipamdEnvSettings(): unknown;
}

export const INTROSPECTION_PATHS = [
  '/v1/enis',
  '/v1/eni-configs',
  '/v1/networkutils-env-settings',
  '/v1/ipamd-env-settings',
] as const;

const TIMEOUT_MS = 5_000;

export function createIntrospectionServer(sources: IntrospectionSources, logger: Logger): Server {
  const server = createServer((request, response) => {
    logger.debug({ method: request.method, url: request.url }, 'introspection request');
    handle(request, response, sources).catch((error: unknown) => {
      logger.error({ err: error, url: request.url }, 'introspection request failed');
      if (!response.headersSent) send(response, 500, { error: String(error) });
    });
  });
  server.requestTimeout = TIMEOUT_MS;
  server.headersTimeout = TIMEOUT_MS;
  server.timeout = TIMEOUT_MS;
  return server;
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  sources: IntrospectionSources,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  switch (path) {
    case '/v1/enis':
      return send(response, 200, sources.enis());
    case '/v1/eni-configs': {
      const name = await sources.eniConfigName();
      if (name === undefined) return send(response, 404, { error: 'node not available' });
      return send(response, 200, name);
    }
    case '/v1/networkutils-env-settings':
      return send(response, 200, sources.networkUtilsEnvSettings());
    case '/v1/ipamd-env-settings':
      return send(response, 200, sources.ipamdEnvSettings());
    case '/v1/eni-config-status':
      if (sources.eniConfigStatus) return send(response, 200, sources.eniConfigStatus());
      break;
    case '/v1/max-pods':
      if (sources.maxPods) return send(response, 200, sources.maxPods());
      break;
  }
  return send(response, 200, { AvailableCommands: INTROSPECTION_PATHS });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(text);
}
