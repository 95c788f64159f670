import type { NodeStats } from './node-stats.ts';
import type { WorkloadPhase } from './workload.ts';

/** The demo's one-line live view. */

export interface ViewState {
  readonly elapsedMs: number;
  readonly phase: WorkloadPhase;
  readonly running: number;
  readonly wanted: number;
  /** Undefined until the first scrape answered. */
  readonly node: NodeStats | undefined;
  readonly ec2Calls: number;
  readonly failedAdds: number;
  readonly addP50Ms: number | undefined;
  readonly addMaxMs: number | undefined;
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1_000 ? `${Math.round(ms)}ms` : `${(ms / 1_000).toFixed(1)}s`;
}

function clock(ms: number): string {
  const seconds = Math.floor(ms / 1_000);
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

export function renderLine(state: ViewState): string {
  const node = state.node;
  return [
    clock(state.elapsedMs),
    `${state.phase.padEnd(10)}`,
    `pods ${state.running}/${state.wanted}`,
    `IPs ${node ? `${node.assignedIps}/${node.totalIps}` : '-'}`,
    `ENIs ${node ? node.enis : '-'}`,
    `EC2 calls ${state.ec2Calls}`,
    `failed ADDs ${state.failedAdds}`,
    `ADD p50 ${duration(state.addP50Ms)} max ${duration(state.addMaxMs)}`,
  ].join('  ');
}

/**
 * Writes the line: redrawn in place on a terminal, or one line per `everyMs` otherwise (logs and
 * pipes get a readable history instead of carriage returns).
 */
export class LiveView {
  private readonly out: NodeJS.WritableStream;
  private readonly tty: boolean;
  private readonly everyMs: number;
  private lastPrinted = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(out: NodeJS.WritableStream, tty: boolean, everyMs = 1_000) {
    this.out = out;
    this.tty = tty;
    this.everyMs = everyMs;
  }

  update(line: string, now = Date.now()): void {
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if (now - this.lastPrinted >= this.everyMs) {
      this.out.write(`${line}\n`);
      this.lastPrinted = now;
    }
  }

  /** Ends the in-place line so what follows starts on its own line. */
  finish(finalLine?: string): void {
    if (this.tty) {
      if (finalLine !== undefined) this.out.write(`\r\x1b[2K${finalLine}`);
      if (this.drawn || finalLine !== undefined) this.out.write('\n');
    } else if (finalLine !== undefined) {
      this.out.write(`${finalLine}\n`);
    }
    this.drawn = false;
  }
}
