import { CommandError, type CommandRunner } from '../command-runner.ts';
import { type HostLog, silentHostLog } from '../host-log.ts';
import { detectIptablesFrontend, type IptablesFrontend } from './iptables-frontend.ts';
import { parseIptablesSave, type SavedTable } from './iptables-save.ts';
import { planIptables, restoreScript } from './plan-iptables.ts';
import { type IptablesTable, MANAGED_TABLES, type SnatRuleSet } from './rule-set.ts';

/**
 * Brings the node's iptables to a desired SnatRuleSet: reads the tables with iptables-save,
 * plans the difference and hands each changed table to one `iptables-restore --noflush`, so a
 * table changes atomically and a converged node sees no write at all.
 *
 * The reference's native nftables connmark table (`table ip aws-cni`) is removed: we keep the
 * connmark rules in iptables on every frontend (docs/compat.md).
 */

export interface SnatApplierOptions {
  readonly runner: CommandRunner;
  /** Base iptables command: 'iptables' (default), 'iptables-nft' or 'iptables-legacy'. */
  readonly iptables?: string;
  readonly log?: HostLog;
}

export interface AppliedRestore {
  readonly table: IptablesTable;
  readonly script: string;
}

export interface SnatApplyResult {
  /** What was handed to iptables-restore, in order; empty when nothing had to change. */
  readonly restores: readonly AppliedRestore[];
  /** The reference's `table ip aws-cni` was present and has been deleted. */
  readonly removedNftTable: boolean;
  readonly changed: boolean;
}

const NFT_TABLE = ['ip', 'aws-cni'] as const;
// A restore can lose a race with kube-proxy changing the same table; one re-read settles it.
const ATTEMPTS = 2;

export class SnatApplier {
  private readonly runner: CommandRunner;
  private readonly command: string;
  private readonly log: HostLog;
  private detected: Promise<IptablesFrontend> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nftMissingLogged = false;

  constructor(options: SnatApplierOptions) {
    this.runner = options.runner;
    this.command = options.iptables ?? 'iptables';
    this.log = options.log ?? silentHostLog;
  }

  /** The frontend and its capabilities, read once. */
  frontend(): Promise<IptablesFrontend> {
    this.detected ??= detectIptablesFrontend(this.runner, this.command).then(
      (frontend) => {
        this.log.info(
          { command: frontend.command, kind: frontend.kind, version: frontend.version },
          'iptables frontend detected',
        );
        return frontend;
      },
      (error: unknown) => {
        this.detected = undefined;
        throw error;
      },
    );
    return this.detected;
  }

  async readTables(): Promise<Map<string, SavedTable>> {
    const tables = new Map<string, SavedTable>();
    for (const table of MANAGED_TABLES) {
      const result = await this.runner.run(`${this.command}-save`, ['-t', table]);
      const saved = parseIptablesSave(result.stdout).get(table);
      if (saved) tables.set(table, saved);
    }
    return tables;
  }

  /** Applies the rule set; concurrent calls run one after another. */
  apply(desired: SnatRuleSet): Promise<SnatApplyResult> {
    const run = this.queue.then(() => this.applyNow(desired));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(desired: SnatRuleSet): Promise<SnatApplyResult> {
    const restores: AppliedRestore[] = [];
    for (let attempt = 1; ; attempt++) {
      const plans = planIptables(desired, await this.readTables());
      try {
        for (const plan of plans) {
          const script = restoreScript(plan);
          await this.runner.run(`${this.command}-restore`, ['--noflush', '--wait=5'], {
            input: script,
          });
          restores.push({ table: plan.table, script });
          this.log.info({ table: plan.table, script }, 'iptables rules updated');
        }
        break;
      } catch (error) {
        if (attempt >= ATTEMPTS) throw error;
        this.log.warn({ err: String(error) }, 'iptables-restore failed; re-reading and retrying');
      }
    }
    if (restores.length > 0) await this.checkConverged(desired);
    const removedNftTable = await this.removeReferenceNftTable();
    return { restores, removedNftTable, changed: restores.length > 0 || removedNftTable };
  }

  /**
   * Our rule texts are the ones iptables prints back. Should some iptables print a rule
   * differently, every apply would rewrite it; say so instead of churning silently.
   */
  private async checkConverged(desired: SnatRuleSet): Promise<void> {
    const left = planIptables(desired, await this.readTables());
    if (left.length > 0) {
      this.log.warn(
        { left: left.map(restoreScript) },
        'iptables shows our rules in a form that differs from the one we write; they will be rewritten on every apply',
      );
    }
  }

  private async removeReferenceNftTable(): Promise<boolean> {
    let listed: { code: number };
    try {
      listed = await this.runner.run('nft', ['list', 'table', ...NFT_TABLE], {
        allowFailure: true,
      });
    } catch (error) {
      if (error instanceof CommandError && error.notFound) {
        if (!this.nftMissingLogged) {
          this.nftMissingLogged = true;
          this.log.info(
            {},
            "nft is not installed; cannot check for the reference's table ip aws-cni",
          );
        }
        return false;
      }
      throw error;
    }
    // Non-zero: no such table, or no nf_tables in this kernel; either way nothing to clean.
    if (listed.code !== 0) return false;
    await this.runner.run('nft', ['delete', 'table', ...NFT_TABLE]);
    this.log.info({}, "deleted the reference's nftables connmark table ip aws-cni");
    return true;
  }
}
