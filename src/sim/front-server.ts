import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type ControlTarget, handleControl } from './control/routes.ts';
import { QueryParams } from './ec2/query-params.ts';
import type { Ec2Service } from './ec2/service.ts';
import { closeServer, HOST, listen, readBody } from './http.ts';

/**
 * The region's one HTTP endpoint: EC2's Query API (form-encoded POST, or GET with a query string)
 * at any path, and the JSON control API under `/_sim/`.
 */
export class FrontServer {
  private readonly server: Server;
  private readonly ec2: Ec2Service;
  private readonly control: ControlTarget;
  endpoint = '';

  constructor(ec2: Ec2Service, control: ControlTarget) {
    this.ec2 = ec2;
    this.control = control;
    this.server = createServer((request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.statusCode = 500;
        response.end(error instanceof Error ? error.message : String(error));
      });
    });
  }

  async start(port: number): Promise<string> {
    const bound = await listen(this.server, port);
    this.endpoint = `http://${HOST}:${bound}`;
    return this.endpoint;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sim');
    const body = await readBody(request);
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
      const answer = await handleControl(this.control, request.method ?? 'GET', url.pathname, body);
      const text = JSON.stringify(answer.json, null, 2);
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
      return;
    }
    const params = QueryParams.fromSearchParams(url.searchParams, new URLSearchParams(body));
    const answer = await this.ec2.call(params);
    response.writeHead(answer.status, {
      'content-type': 'text/xml;charset=UTF-8',
      'content-length': Buffer.byteLength(answer.body),
      'x-amzn-requestid': answer.requestId,
      server: 'AmazonEC2',
    });
    response.end(answer.body);
  }
}
