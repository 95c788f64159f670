import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src/checkpoint/format.ts';
import { scanFrames } from '../../../src/checkpoint/journal-frame.ts';
import { decodeRecord, snapshotHash } from '../../../src/checkpoint/journal-records.ts';
import { JournaledDatastore } from '../../../src/checkpoint/journaled-datastore.ts';
import { restoreCheckpoint } from '../../../src/checkpoint/restore.ts';
import { renderCheckpoint } from '../../../src/checkpoint/snapshot.ts';
import { CheckpointWriter } from '../../../src/checkpoint/writer.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import {
  emptyLike,
  held,
  inventoryOf,
  JournalRig,
  key,
  meta,
  PATH,
  T0,
  turn,
} from './journal-rig.ts';
import { deferred, type FsOp } from './memory-fs.ts';

const JOURNAL = `${PATH}.journal`;

function journalRecords(rig: JournalRig) {
  const text = rig.fs.files.get(JOURNAL);
  if (text === undefined) return undefined;
  return scanFrames(Buffer.from(text, 'utf8')).frames.map((f) => decodeRecord(f.payload));
}

/** Ops the filesystem saw since `from` in the log, as `op path`. */
const opsSince = (rig: JournalRig, from: number) => rig.fs.log.slice(from);

describe('commits go to the journal', () => {
  it('the first commit writes a whole snapshot and a journal that names it', async () => {
    const rig = new JournalRig();
    await rig.add(1);
    const snapshot = rig.fs.files.get(PATH)!;
    expect(snapshot).toBe(renderCheckpoint(rig.ds));
    expect(journalRecords(rig)).toEqual([
      { kind: 'base', snapshot: snapshotHash(snapshot), version: 'vpc-ipamd-journal/1' },
    ]);
  });

  it('then each commit is one durable append to the journal, of the same size however many pods the node holds', async () => {
    const rig = new JournalRig();
    await rig.add(0);
    const sizes: number[] = [];
    for (let i = 1; i <= 40; i++) {
      const before = rig.fs.log.length;
      const length = Buffer.byteLength(rig.fs.files.get(JOURNAL)!);
      await rig.add(i);
      expect(opsSince(rig, before)).toEqual([`write ${JOURNAL}`, `sync ${JOURNAL}`]);
      sizes.push(Buffer.byteLength(rig.fs.files.get(JOURNAL)!) - length);
    }
    expect(rig.ds.allocations()).toHaveLength(41);
    // One record: the pod's entry (its address's digits vary a little), never the node's state.
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(4);
    expect(Math.max(...sizes)).toBeLessThan(300);
    expect(rig.fs.files.get(PATH)).not.toContain('"c40"');
    expect(await rig.restored()).toEqual(held(rig.ds));
  });

  it('an idempotent repeat writes nothing', async () => {
    const rig = new JournalRig();
    await rig.add(1);
    const before = rig.fs.log.length;
    rig.ds.assign(key(1), meta(1));
    await rig.writer.commit();
    expect(opsSince(rig, before)).toEqual([]);
    expect(rig.writer.counts()).toMatchObject({ writes: 1, failures: 0 });
  });

  it('a failed append is cut back before its callers hear of it, and their undo is written without another commit', async () => {
    const rig = new JournalRig();
    await rig.add(1);
    const good = rig.fs.files.get(JOURNAL)!;
    rig.fs.failWith = (op, path) =>
      op === 'sync' && path === JOURNAL ? new Error('EIO: sync failed') : undefined;
    let fileWhenRejected: string | undefined;
    const assignment = rig.ds.assign(key(2), meta(2));
    await rig.writer.commit().catch((error: unknown) => {
      expect(String(error)).toBe('Error: EIO: sync failed');
      fileWhenRejected = rig.fs.files.get(JOURNAL);
      rig.ds.undoAssign(assignment);
    });
    expect(fileWhenRejected).toBe(good);
    rig.fs.failWith = () => undefined;
    await rig.writer.idle();
    // Written anyway: the failed assignment and its undo, so the journal misses no change.
    const last = journalRecords(rig)!.at(-1)!;
    expect(last.kind === 'commit' && last.changes.map((c) => c.kind)).toEqual(['assign', 'free']);
    expect(rig.writer.counts()).toMatchObject({ writes: 2, failures: 1 });
    expect(await rig.restored()).toEqual(held(rig.ds));
  });

  it('when the cut fails too, the next append makes it first', async () => {
    const rig = new JournalRig();
    await rig.add(1);
    let failing: FsOp[] = ['sync', 'truncate'];
    rig.fs.failWith = (op, path) => {
      if (path !== JOURNAL || op !== failing[0]) return undefined;
      failing = failing.slice(1);
      return new Error(`injected ${op} failure`);
    };
    rig.fs.gate = (op) => (op === 'write' && failing.length === 0 ? turn() : undefined);
    expect(await rig.add(2)).toBeUndefined();
    await rig.writer.idle();
    const repair = rig.fs.log.filter((line) => line.endsWith(JOURNAL)).slice(-4);
    expect(repair).toEqual([
      `truncate ${JOURNAL}`,
      `truncate ${JOURNAL}`,
      `write ${JOURNAL}`,
      `sync ${JOURNAL}`,
    ]);
    expect(await rig.restored()).toEqual(held(rig.ds));
  });

  it('a repair that fails again waits for the timer instead of retrying in a loop', async () => {
    const rig = new JournalRig();
    await rig.add(1);
    rig.fs.failWith = (op, path) =>
      path === JOURNAL && op === 'write' ? new Error('EIO') : undefined;
    expect(await rig.add(2)).toBeUndefined();
    await rig.writer.idle();
    expect(rig.writer.counts()).toMatchObject({ writes: 1, failures: 2 });
    expect(rig.compactionDue).toBe(true); // the repair's retry timer
    rig.fs.failWith = () => undefined;
    rig.compactNow();
    await rig.writer.idle();
    expect(rig.writer.counts()).toMatchObject({ writes: 2, failures: 2 });
    expect(await rig.restored()).toEqual(held(rig.ds));
  });
});

describe('compaction', () => {
  it('rewrites the snapshot as the reference reads it and starts the journal again after it', async () => {
    const rig = new JournalRig();
    for (let i = 0; i < 5; i++) await rig.add(i);
    await rig.del(3);
    expect(rig.compactionDue).toBe(true);
    const expected = renderCheckpoint(rig.ds);
    rig.compactNow();
    await rig.writer.idle();
    expect(rig.fs.files.get(PATH)).toBe(expected);
    expect(journalRecords(rig)).toEqual([
      { kind: 'base', snapshot: snapshotHash(expected), version: 'vpc-ipamd-journal/1' },
    ]);
    expect(rig.writer.counts()).toMatchObject({ compactions: 1, compactionFailures: 0 });
    expect(rig.compactionDue).toBe(false);
    expect(rig.fs.others(PATH)).toEqual([JOURNAL]);
    expect(await rig.restored()).toEqual(held(rig.ds));
  });

  it('commits written while the snapshot is written are carried into the next journal', async () => {
    const rig = new JournalRig();
    await rig.add(0);
    await rig.add(1);
    const gate = deferred();
    rig.fs.gate = (op, path) =>
      op === 'sync' && path.includes('.json.tmp') ? gate.promise : undefined;
    const atRender = renderCheckpoint(rig.ds);
    rig.compactNow();
    expect(await rig.add(2)).toBeDefined();
    expect(await rig.del(0)).toBe(true);
    gate.release();
    await rig.writer.idle();
    expect(rig.fs.files.get(PATH)).toBe(atRender);
    const records = journalRecords(rig)!;
    expect(records.map((r) => r.kind)).toEqual(['base', 'commit', 'commit']);
    expect(await rig.restored()).toEqual(held(rig.ds));
  });

  it('the snapshot is brought up to date by size too, without waiting for the timer', async () => {
    const rig = new JournalRig({ compactAtBytes: 600 });
    for (let i = 0; i < 4; i++) await rig.add(i);
    await rig.writer.idle();
    expect(rig.writer.counts().compactions).toBeGreaterThanOrEqual(1);
    expect(await rig.restored()).toEqual(held(rig.ds));
  });

  it.each<[FsOp, string]>([
    ['createExclusive', `${PATH}.tmp`],
    ['sync', `${PATH}.tmp`],
    ['write', JOURNAL],
    ['rename', `${PATH}.tmp`],
    ['syncDir', '/run/aws-node'],
    ['createExclusive', `${JOURNAL}.tmp`],
    ['rename', `${JOURNAL}.tmp`],
    ['openJournal', JOURNAL],
  ])(
    'a failure at %s (%s) loses nothing: the files restore to the live state and commits go on',
    async (failing, where) => {
      const rig = new JournalRig();
      for (let i = 0; i < 3; i++) await rig.add(i);
      let armed = true;
      rig.fs.failWith = (op, path) => {
        if (!armed || op !== failing || !path.startsWith(where)) return undefined;
        armed = false;
        return new Error(`injected ${op} failure`);
      };
      rig.compactNow();
      await rig.writer.idle();
      expect(armed).toBe(false);
      expect(rig.compactionErrors.map(String)).toEqual([`Error: injected ${failing} failure`]);
      expect(rig.fs.others(PATH).filter((p) => p.includes('.tmp'))).toEqual([]);
      expect(await rig.restored()).toEqual(held(rig.ds));
      // Commits go on, and a later compaction succeeds.
      expect(await rig.add(7)).toBeDefined();
      expect(await rig.del(1)).toBe(true);
      rig.compactNow();
      await rig.writer.idle();
      expect(rig.writer.counts().compactions).toBe(1);
      expect(rig.fs.files.get(PATH)).toBe(renderCheckpoint(rig.ds));
      expect(await rig.restored()).toEqual(held(rig.ds));
    },
  );
});

describe('what the reference reads (the snapshot alone)', () => {
  it('is the state at the last compaction, parsed by the reference’s rules; later commits are only in the journal', async () => {
    const rig = new JournalRig();
    for (let i = 0; i < 4; i++) await rig.add(i);
    const atCompaction = held(rig.ds);
    rig.compactNow();
    await rig.writer.idle();
    await rig.add(10);
    await rig.del(0);
    const seen = decodeCheckpoint(rig.fs.files.get(PATH)!);
    expect(seen.version).toBe('vpc-cni-ipam/1');
    expect(
      seen.allocations
        .map(
          ({ entry }) =>
            `${entry.ipv4} ${entry.containerID} ${entry.metadata.k8sPodName} @${entry.allocationTimestamp}`,
        )
        .sort(),
    ).toEqual(atCompaction.allocations);
    expect(seen.cooldown).toEqual([]);
    // Then, at most compactAfterMs later (the timer), it catches up.
    expect(rig.compactionDue).toBe(true);
    rig.compactNow();
    await rig.writer.idle();
    expect(rig.fs.files.get(PATH)).toBe(renderCheckpoint(rig.ds));
  });

  it('close() writes the whole snapshot and removes the journal; a later commit starts a new one', async () => {
    const rig = new JournalRig();
    for (let i = 0; i < 3; i++) await rig.add(i);
    await rig.del(1);
    await rig.writer.close();
    expect(rig.fs.files.get(PATH)).toBe(renderCheckpoint(rig.ds));
    expect(rig.fs.others(PATH)).toEqual([]);
    expect(rig.compactionDue).toBe(false);
    await rig.add(5);
    expect(journalRecords(rig)?.map((r) => r.kind)).toEqual(['base']);
    expect(await rig.restored()).toEqual(held(rig.ds));
  });

  it('close() reports a failure and leaves the journal holding every change', async () => {
    const rig = new JournalRig();
    await rig.add(0);
    await rig.add(1);
    rig.fs.failWith = (op) => (op === 'rename' ? new Error('EROFS') : undefined);
    await rig.writer.close();
    expect(rig.compactionErrors.map(String)).toEqual(['Error: EROFS']);
    rig.fs.failWith = () => undefined;
    expect(await rig.restored()).toEqual(held(rig.ds));
  });

  it('once terminating, the journal is retired at once and every commit rewrites the snapshot', async () => {
    const rig = new JournalRig();
    await rig.add(0);
    await rig.add(1);
    rig.writer.snapshotEveryCommit();
    await rig.writer.idle();
    expect(rig.fs.others(PATH)).toEqual([]);
    expect(rig.fs.files.get(PATH)).toBe(renderCheckpoint(rig.ds));
    await rig.add(2);
    expect(rig.fs.files.get(PATH)).toBe(renderCheckpoint(rig.ds));
    await rig.del(0);
    expect(rig.fs.files.get(PATH)).toBe(renderCheckpoint(rig.ds));
    expect(rig.fs.others(PATH)).toEqual([]);
    expect(rig.compactionDue).toBe(false);
  });
});

describe('on a real filesystem', () => {
  it('commits, a compaction with commits around it, close: a restart restores the live state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-writer-'));
    try {
      const path = join(dir, 'ipam.json');
      const clock = new ManualClock(T0);
      const ds = new JournaledDatastore({ clock, cooldownMs: 30_000, prefixDelegation: true });
      ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
      ds.addCidr('eni-1', '10.0.1.0/28', true);
      let compact: (() => void) | undefined;
      const writer = new CheckpointWriter({
        path,
        datastore: ds,
        after: (_ms, fn) => {
          compact = fn;
          return () => undefined;
        },
      });
      const add = async (i: number) => {
        ds.assign(key(i), meta(i));
        await writer.commit();
      };
      for (let i = 0; i < 6; i++) await add(i);
      ds.unassign(key(2));
      await writer.commit();
      compact?.();
      await add(6);
      await writer.idle();
      expect(await readFile(`${path}.journal`, 'utf8')).toMatch(/^\d+ [0-9a-f]{8} \{"journal":/);
      const restored = emptyLike(inventoryOf(ds), clock);
      await restoreCheckpoint({ path, datastore: restored, liveLinkNames: undefined });
      expect(held(restored)).toEqual(held(ds));
      await writer.close();
      expect(await readdir(dir)).toEqual(['ipam.json']);
      expect(await readFile(path, 'utf8')).toBe(renderCheckpoint(ds));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
