import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { parseIptablesSave, type SavedTable } from '../../../src/host/snat/iptables-save.ts';
import { renderSnatRules } from '../../../src/host/snat/render-snat-rules.ts';
import { SnatApplier } from '../../../src/host/snat/snat-applier.ts';
import { FakeRunner } from './fake-runner.ts';
import { formatSaved, simulateRestore } from './iptables-sim.ts';

function desired(overrides: Partial<Config> = {}) {
  return renderSnatRules({
    config: defaultConfig(overrides),
    vpcCidrs: ['10.0.0.0/16'],
    primaryInterface: 'eth0',
    primaryIp: '10.0.0.10',
    capabilities: { randomFully: true },
  });
}

/** A node whose iptables lives in memory behind iptables-save / iptables-restore. */
function node(options: { nftTable?: boolean; failRestores?: number } = {}) {
  let tables: Map<string, SavedTable> = parseIptablesSave(
    '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*mangle\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n',
  );
  let nftTable = options.nftTable ?? false;
  let failures = options.failRestores ?? 0;
  const runner = new FakeRunner()
    .on('iptables', () => 'iptables v1.8.9 (nf_tables)\n')
    .on('iptables-save', (args) => formatSaved(tables, args[1]))
    .on('iptables-restore', (args, input) => {
      expect(args).toEqual(['--noflush', '--wait=5']);
      if (failures > 0) {
        failures--;
        return { stdout: '', stderr: 'line 2 failed', code: 1 };
      }
      tables = simulateRestore(tables, input!);
      return '';
    })
    .on('nft', (args) => {
      if (args[0] === 'list') {
        return nftTable
          ? 'table ip aws-cni {\n}\n'
          : { stdout: '', stderr: 'No such file', code: 1 };
      }
      nftTable = false;
      return '';
    });
  return { runner, tables: () => tables, hasNftTable: () => nftTable };
}

describe('SnatApplier', () => {
  it('applies once per changed table and issues no restore on a converged node', async () => {
    const n = node();
    const applier = new SnatApplier({ runner: n.runner });
    const first = await applier.apply(desired());
    expect(first.changed).toBe(true);
    expect(first.restores.map((r) => r.table)).toEqual(['mangle', 'nat']);
    expect(n.runner.commands('iptables-restore')).toHaveLength(2);

    const second = await applier.apply(desired());
    expect(second).toEqual({ restores: [], removedNftTable: false, changed: false });
    expect(n.runner.commands('iptables-restore')).toHaveLength(2);
  });

  it('changing one setting touches only the table that holds it', async () => {
    const n = node();
    const applier = new SnatApplier({ runner: n.runner });
    await applier.apply(desired());
    const result = await applier.apply(desired({ randomizeSnat: 'hashrandom' }));
    expect(result.restores.map((r) => r.table)).toEqual(['nat']);
  });

  it('re-reads and retries once when a restore loses a race', async () => {
    const n = node({ failRestores: 1 });
    const result = await new SnatApplier({ runner: n.runner }).apply(desired());
    expect(result.changed).toBe(true);
    expect(n.runner.commands('iptables-save').length).toBeGreaterThanOrEqual(4);
  });

  it('gives up after the second failure', async () => {
    const n = node({ failRestores: 2 });
    await expect(new SnatApplier({ runner: n.runner }).apply(desired())).rejects.toThrow(/exit 1/);
  });

  it("deletes the reference's nftables table ip aws-cni when present", async () => {
    const n = node({ nftTable: true });
    const applier = new SnatApplier({ runner: n.runner });
    expect((await applier.apply(desired())).removedNftTable).toBe(true);
    expect(n.hasNftTable()).toBe(false);
    expect(n.runner.commands('nft').map((c) => c.args.join(' '))).toEqual([
      'list table ip aws-cni',
      'delete table ip aws-cni',
    ]);
    expect((await applier.apply(desired())).changed).toBe(false);
  });

  it('logs once and carries on when nft is not installed', async () => {
    const n = node();
    const messages: string[] = [];
    const log = { info: (_: object, m: string) => messages.push(m), warn() {}, error() {} };
    const runner = n.runner.off('nft');
    const applier = new SnatApplier({ runner, log });
    await applier.apply(desired());
    await applier.apply(desired());
    expect(messages.filter((m) => m.includes('nft is not installed'))).toHaveLength(1);
  });

  it('uses the -save / -restore commands of the frontend it was given', async () => {
    const runner = new FakeRunner()
      .on('iptables-legacy-save', () => '')
      .on('iptables-legacy-restore', () => '')
      .on('iptables-legacy', () => 'iptables v1.8.9 (legacy)');
    const applier = new SnatApplier({ runner, iptables: 'iptables-legacy' });
    expect((await applier.frontend()).kind).toBe('legacy');
    await applier.apply(desired());
    expect(runner.commands('iptables-legacy-restore')).toHaveLength(2);
  });

  it('runs overlapping applies one after the other', async () => {
    const n = node();
    const applier = new SnatApplier({ runner: n.runner });
    const [a, b] = await Promise.all([applier.apply(desired()), applier.apply(desired())]);
    expect(a.changed).toBe(true);
    expect(b.changed).toBe(false);
  });
});
