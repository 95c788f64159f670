import type { UnaryChannel, UnaryOutcome } from '../../../cni-shim/ipamd/unary-channel.ts';
import type { BatchFailure, HostLink, IpRunner } from '../../../cni-shim/network/ip-runner.ts';
import { type PluginIo, runPlugin } from '../../../cni-shim/plugin.ts';
import { GRPC_STATUS } from '../../../src/wire/grpc-status.ts';
import type { MessageInit } from '../../../src/wire/message-codec.ts';
import type { WireMethod } from '../../../src/wire/methods.ts';

/** Test-only: a gRPC channel answering by method path, recording every call. */
export class ScriptedChannel implements UnaryChannel {
  readonly calls: { path: string; request: unknown; deadlineMs: number | undefined }[] = [];
  private readonly answers = new Map<string, (request: never) => UnaryOutcome<unknown>>();
  closed = false;

  answer<Req, Res>(
    method: WireMethod<Req, Res>,
    handler: (request: MessageInit<Req>) => UnaryOutcome<Res>,
  ): this {
    this.answers.set(method.path, handler as (request: never) => UnaryOutcome<unknown>);
    return this;
  }

  async call<Req, Res>(
    method: WireMethod<Req, Res>,
    request: MessageInit<Req>,
    deadlineMs?: number,
  ): Promise<UnaryOutcome<Res>> {
    this.calls.push({ path: method.path, request, deadlineMs });
    const handler = this.answers.get(method.path);
    if (!handler) {
      return {
        status: GRPC_STATUS.UNAVAILABLE,
        message: 'cannot connect: no such socket',
        reply: undefined,
      };
    }
    return handler(request as never) as UnaryOutcome<Res>;
  }

  close(): void {
    this.closed = true;
  }

  paths(): string[] {
    return this.calls.map((c) => c.path);
  }
}

export function ok<Res>(reply: Res): UnaryOutcome<Res> {
  return { status: GRPC_STATUS.OK, message: '', reply };
}

export function failed<Res>(status: number, message: string): UnaryOutcome<Res> {
  return { status, message, reply: undefined };
}

/** Test-only: ip(8) that records batches and fails where told. */
export class RecordingIp implements IpRunner {
  /** Strict batches (the first failure throws). */
  readonly batches: { lines: readonly string[]; netns: string | undefined }[] = [];
  /** Batches run to the end (ip -force): set-up's host side, teardowns, undo. */
  readonly forced: { lines: readonly string[]; netns: string | undefined }[] = [];
  links: HostLink[] = [];
  /** Fail the strict batch run in this namespace ('host' for the host's). */
  failBatchIn: string | undefined;
  /** What a forced batch answers, from its lines. */
  forceFailures: (lines: readonly string[]) => BatchFailure[] = () => [];

  async batch(lines: readonly string[], netns?: string): Promise<void> {
    this.batches.push({ lines, netns });
    if (this.failBatchIn !== undefined && this.failBatchIn === (netns ?? 'host')) {
      throw new Error(
        `pod netns ${netns}: "ip ${lines[0]}" failed: RTNETLINK answers: File exists`,
      );
    }
  }

  async forceBatch(lines: readonly string[], netns?: string): Promise<BatchFailure[]> {
    this.forced.push({ lines, netns });
    return this.forceFailures(lines);
  }

  async json(): Promise<unknown> {
    return [];
  }

  async hostLinks(): Promise<HostLink[]> {
    return this.links;
  }
}

export interface Invocation {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ipamd: ScriptedChannel;
  readonly npAgent: ScriptedChannel;
  readonly ip: RecordingIp;
}

/** Runs the plugin in-process with scripted ipamd and agent sockets and a recording ip(8). */
export async function invoke(
  env: Record<string, string>,
  config: object,
  options: { ipamd?: ScriptedChannel; npAgent?: ScriptedChannel; ip?: RecordingIp } = {},
): Promise<Invocation> {
  const ipamd = options.ipamd ?? new ScriptedChannel();
  const npAgent = options.npAgent ?? new ScriptedChannel();
  const ip = options.ip ?? new RecordingIp();
  let stdout = '';
  let stderr = '';
  const io: PluginIo = {
    env,
    stdin: JSON.stringify({ pluginLogFile: 'stderr', ...config }),
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  };
  const code = await runPlugin(io, {
    ip,
    hostPid: 4242,
    channel: (socket) => (socket.endsWith('npa.sock') ? npAgent : ipamd),
  });
  return { code, stdout, stderr, ipamd, npAgent, ip };
}
