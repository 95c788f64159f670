import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * Serves `/metrics` in the Prometheus text format (port 61678 by default, as the reference).
 * `beforeScrape` refreshes gauges that are cheaper to compute on demand than to keep current.
 */
export function createMetricsServer(registry: Registry, beforeScrape?: () => void): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/metrics') {
      response.writeHead(404).end('not found\n');
      return;
    }
    beforeScrape?.();
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(text);
      },
      (error: unknown) => {
        response.writeHead(500).end(`${String(error)}\n`);
      },
    );
  });
}
