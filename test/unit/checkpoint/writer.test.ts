import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/checkpoint/atomic-write.ts';
import { type CheckpointFs, nodeCheckpointFs } from '../../../src/checkpoint/checkpoint-fs.ts';
import { JournaledDatastore } from '../../../src/checkpoint/journaled-datastore.ts';
import { CheckpointWriter } from '../../../src/checkpoint/writer.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { deferred, type FsOp, MemoryFs } from './memory-fs.ts';

const PATH = '/run/aws-node/ipam.json';

describe('atomic write (real filesystem)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ckpt-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the file and leaves no temp file', async () => {
    const path = join(dir, 'ipam.json');
    await writeFile(path, 'old\n');
    await writeFileAtomic(path, 'new\n', nodeCheckpointFs, () => '123');
    expect(await readFile(path, 'utf8')).toBe('new\n');
    expect(await readdir(dir)).toEqual(['ipam.json']);
  });

  it.each<FsOp>(['write', 'sync', 'close', 'rename'])(
    'a failure at %s keeps the old file intact and removes the temp file',
    async (failing) => {
      const path = join(dir, 'ipam.json');
      await writeFile(path, 'old\n');
      const fs: CheckpointFs = {
        ...nodeCheckpointFs,
        createExclusive: async (p, mode) => {
          const file = await nodeCheckpointFs.createExclusive(p, mode);
          const boom = (op: FsOp) => async () => {
            if (op === failing) throw new Error(`injected ${op} failure`);
          };
          return {
            write: async (d) => {
              await boom('write')();
              await file.write(d);
            },
            sync: async () => {
              await boom('sync')();
              await file.sync();
            },
            close: async () => {
              await file.close();
              await boom('close')();
            },
          };
        },
        rename: async (a, b) => {
          if (failing === 'rename') throw new Error('injected rename failure');
          await nodeCheckpointFs.rename(a, b);
        },
      };
      await expect(writeFileAtomic(path, 'new\n', fs)).rejects.toThrow(/injected/);
      expect(await readFile(path, 'utf8')).toBe('old\n');
      expect(await readdir(dir)).toEqual(['ipam.json']);
    },
  );

  it('writes into the same directory with the <name>.tmp<random> pattern', async () => {
    const fs = new MemoryFs();
    await writeFileAtomic(PATH, 'x', fs, () => '42');
    expect(fs.log).toEqual([
      'createExclusive /run/aws-node/ipam.json.tmp42',
      'write /run/aws-node/ipam.json.tmp42',
      'sync /run/aws-node/ipam.json.tmp42',
      'close /run/aws-node/ipam.json.tmp42',
      'rename /run/aws-node/ipam.json.tmp42 -> /run/aws-node/ipam.json',
      'syncDir /run/aws-node',
    ]);
  });

  it('never deletes a temp name it did not create', async () => {
    const fs = new MemoryFs();
    fs.files.set(`${PATH}.tmp7`, 'someone else');
    await expect(writeFileAtomic(PATH, 'x', fs, () => '7')).rejects.toThrow(/EEXIST/);
    expect(fs.files.get(`${PATH}.tmp7`)).toBe('someone else');
  });
});

function setup(fs: MemoryFs) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const ds = new JournaledDatastore({ clock, cooldownMs: 30_000, prefixDelegation: true });
  ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
  ds.addCidr('eni-1', '10.0.1.0/28', true);
  let suffix = 0;
  const writer = new CheckpointWriter({
    path: PATH,
    datastore: ds,
    fs,
    tempSuffix: () => String(suffix++),
  });
  const k = (id: string) => ({ networkName: 'aws-cni', containerID: id, ifName: 'eth0' });
  const m = (id: string) => ({ k8sPodNamespace: 'default', k8sPodName: id, interfacesCount: 1 });
  // What a restart would read: the snapshot with the journal's commits after it.
  const onDisk = () => fs.durableKeys(PATH);
  return { ds, writer, k, m, onDisk };
}

describe('CheckpointWriter group commit', () => {
  it('changes of the same turn share one write', async () => {
    const fs = new MemoryFs();
    const { ds, writer, k, m, onDisk } = setup(fs);
    ds.assign(k('a'), m('a'));
    const pa = writer.commit();
    ds.assign(k('b'), m('b'));
    const pb = writer.commit();
    await Promise.all([pa, pb]);
    expect(writer.counts()).toMatchObject({ writes: 1, failures: 0 });
    expect(onDisk()).toEqual(['a', 'b']);
  });

  it('changes made during an in-flight write go into the next write; no caller is resolved early', async () => {
    const fs = new MemoryFs();
    const { ds, writer, k, m, onDisk } = setup(fs);
    const gate = deferred();
    let first = true;
    fs.gate = (op) => {
      if (op === 'rename' && first) {
        first = false;
        return gate.promise;
      }
      return undefined;
    };
    const settled: string[] = [];
    ds.assign(k('a'), m('a'));
    const pa = writer.commit().then(() => settled.push(`a:${onDisk().join(',')}`));
    await new Promise((r) => setImmediate(r)); // write 1 has started (rendered with a only)
    ds.assign(k('b'), m('b'));
    const pb = writer.commit().then(() => settled.push(`b:${onDisk().join(',')}`));
    ds.assign(k('c'), m('c'));
    const pc = writer.commit().then(() => settled.push(`c:${onDisk().join(',')}`));
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual([]);
    gate.release();
    await Promise.all([pa, pb, pc]);
    expect(settled).toEqual(['a:a', 'b:a,b,c', 'c:a,b,c']);
    expect(writer.counts()).toMatchObject({ writes: 2, failures: 0 });
  });

  it('a failed write rejects all its waiters; their undo lands before the next write', async () => {
    const fs = new MemoryFs();
    const { ds, writer, k, m, onDisk } = setup(fs);
    ds.assign(k('keep'), m('keep'));
    await writer.commit();
    // The journal's append fails (its bytes may still be in the file: the next write cuts them).
    const gate = deferred();
    let failNext = true;
    fs.gate = (op) => (op === 'sync' && failNext ? gate.promise : undefined);
    fs.failWith = (op) => {
      if (op === 'sync' && failNext) {
        failNext = false;
        return new Error('disk full');
      }
      return undefined;
    };

    // An ADD and a DEL in the failing batch, each undoing its own change on failure.
    const add = async (id: string) => {
      const a = ds.assign(k(id), m(id));
      try {
        await writer.commit();
        return 'ok';
      } catch {
        ds.undoAssign(a);
        return 'failed';
      }
    };
    const del = async (id: string) => {
      const u = ds.unassign(k(id));
      try {
        await writer.commit();
        return 'ok';
      } catch {
        ds.undoUnassign(u);
        return 'failed';
      }
    };
    const r1 = add('x');
    const r2 = del('keep');
    await new Promise((r) => setImmediate(r)); // failing write in flight
    const r3 = add('late'); // goes to the next write
    gate.release();
    expect(await Promise.all([r1, r2, r3])).toEqual(['failed', 'failed', 'ok']);
    expect(onDisk()).toEqual(['keep', 'late']);
    expect(ds.allocations().map((a) => a.key.containerID)).toEqual(['keep', 'late']);
    expect(ds.stats()).toMatchObject({ assignedIPs: 2, coolingIPs: 0 });
    expect(writer.counts()).toMatchObject({ writes: 2, failures: 1 });
    expect(fs.others(PATH)).toEqual([`${PATH}.journal`]);
  });

  it('a render failure rejects the batch too', async () => {
    class Broken extends JournaledDatastore {
      override allocations(): never {
        throw new Error('render broke');
      }
    }
    const datastore = new Broken({
      clock: new ManualClock(0),
      cooldownMs: 0,
      prefixDelegation: false,
    });
    const writer = new CheckpointWriter({ path: PATH, datastore, fs: new MemoryFs() });
    await expect(writer.commit()).rejects.toThrow('render broke');
  });

  it('idle() waits for the writes in progress', async () => {
    const fs = new MemoryFs();
    const { ds, writer, k, m, onDisk } = setup(fs);
    await writer.idle();
    ds.assign(k('a'), m('a'));
    void writer.commit();
    await writer.idle();
    expect(onDisk()).toEqual(['a']);
  });
});
