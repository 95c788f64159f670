import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../../src/checkpoint/errors.ts';
import { encodeFrame } from '../../../src/checkpoint/journal-frame.ts';
import {
  assignChange,
  encodeCommit,
  encodeHeader,
  freeChange,
  snapshotHash,
} from '../../../src/checkpoint/journal-records.ts';
import { restoreCheckpoint } from '../../../src/checkpoint/restore.ts';
import { renderCheckpoint } from '../../../src/checkpoint/snapshot.ts';
import {
  emptyLike,
  held,
  type Inventory,
  inventoryOf,
  JournalRig,
  PATH,
  restoreFrom,
  T0,
} from './journal-rig.ts';
import { MemoryFs } from './memory-fs.ts';

const NS = (ms: number) => BigInt(ms) * 1_000_000n;

function entry(id: string, ipv4: string) {
  return {
    networkName: 'aws-cni',
    containerID: id,
    ifName: 'eth0',
    ipv4,
    ipv6: '',
    allocationTimestamp: NS(T0) + 1n,
    metadata: { k8sPodNamespace: 'default', k8sPodName: id, interfacesCount: 1 },
  };
}

/** A snapshot holding pod a, and a journal after it: b and c assigned, then a freed. */
function files() {
  const snapshot = renderCheckpoint(emptyWith([['a', '10.0.1.1']]));
  const header = encodeFrame(encodeHeader(snapshotHash(snapshot)));
  const commits = [
    encodeFrame(encodeCommit([assignChange(entry('b', '10.0.1.2'))])),
    encodeFrame(encodeCommit([assignChange(entry('c', '10.0.2.3')), freeChange('10.0.1.1')])),
  ];
  return { snapshot, header, commits, journal: header + commits.join('') };
}

const rig = new JournalRig();
const INVENTORY: Inventory = inventoryOf(rig.ds);

function emptyWith(allocations: [string, string][]) {
  const ds = emptyLike(INVENTORY, rig.clock);
  for (const [id, ip] of allocations) {
    ds.restoreAllocation(ip, entry(id, ip), entry(id, ip).metadata, NS(T0) + 1n);
  }
  return ds;
}

const allocated = (ds: ReturnType<typeof emptyLike>) =>
  ds
    .allocations()
    .map((a) => `${a.key.containerID}=${a.ip}`)
    .sort();

describe('restore replays the journal onto the snapshot (real filesystem)', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'journal-restore-'));
    path = join(dir, 'ipam.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('snapshot + journal: restored, then rewritten as one whole snapshot without a journal', async () => {
    const f = files();
    await writeFile(path, f.snapshot);
    await writeFile(`${path}.journal`, f.journal);
    const ds = emptyLike(INVENTORY, rig.clock);
    const report = await restoreCheckpoint({ path, datastore: ds, liveLinkNames: undefined });
    expect(allocated(ds)).toEqual(['b=10.0.1.2', 'c=10.0.2.3']);
    expect(report.journal).toEqual({
      path: `${path}.journal`,
      commitsReplayed: 2,
      changesReplayed: 3,
    });
    expect(await readFile(path, 'utf8')).toBe(renderCheckpoint(ds));
    expect(await readdir(dir)).toEqual(['ipam.json']);
  });

  it('a torn tail is cut at the last whole record and kept, verbatim, in .dropped', async () => {
    const f = files();
    const torn = f.commits[1]!.slice(0, 30);
    await writeFile(path, f.snapshot);
    await writeFile(`${path}.journal`, f.header + f.commits[0]! + torn);
    const ds = emptyLike(INVENTORY, rig.clock);
    const report = await restoreCheckpoint({ path, datastore: ds, liveLinkNames: undefined });
    expect(allocated(ds)).toEqual(['a=10.0.1.1', 'b=10.0.1.2']);
    expect(report.journal).toMatchObject({ commitsReplayed: 1, tornTailBytes: 30 });
    expect(report.droppedFile).toBe(`${path}.dropped`);
    const [line, ...more] = (await readFile(`${path}.dropped`, 'utf8')).trimEnd().split('\n');
    expect(more).toEqual([]);
    const evidence = JSON.parse(line!);
    expect(evidence).toMatchObject({ reason: 'torn-journal-tail' });
    expect(Buffer.from(evidence.journalTail, 'base64').toString('utf8')).toBe(torn);
    expect(evidence.detail).toBe(
      `30 byte(s) at offset ${Buffer.byteLength(f.header + f.commits[0]!)} of ${path}.journal after its last whole record: a write a crash cut short, whose commit was never acknowledged`,
    );
    expect(await readdir(dir)).toEqual(['ipam.json', 'ipam.json.dropped']);
  });

  it.each([
    [
      'a flipped byte in the first commit',
      (j: Buffer, at: number) => {
        j[at + 20] = j[at + 20]! ^ 0x01;
      },
      'damaged record at byte',
    ],
    [
      'a lost newline',
      (j: Buffer, at: number) => {
        j[at - 1] = 0x20;
      },
      'damaged record at byte',
    ],
  ])(
    '%s, followed by a whole record: start refused, every file untouched',
    async (_what, damage, message) => {
      const f = files();
      const journal = Buffer.from(f.journal, 'utf8');
      damage(journal, Buffer.byteLength(f.header));
      await writeFile(path, f.snapshot);
      await writeFile(`${path}.journal`, journal);
      await writeFile(`${path}.tmp12345`, 'a temp file a kill left');
      const before = await Promise.all([stat(path), stat(`${path}.journal`)]);
      const error = await restoreCheckpoint({
        path,
        datastore: emptyLike(INVENTORY, rig.clock),
        liveLinkNames: undefined,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as CheckpointError).kind).toBe('invalid');
      expect((error as CheckpointError).message).toContain(
        `checkpoint ${path}.journal: ${message}`,
      );
      expect((error as CheckpointError).message).toContain('refusing to start');
      expect(await readFile(`${path}.journal`)).toEqual(journal);
      expect(await readFile(path, 'utf8')).toBe(f.snapshot);
      const after = await Promise.all([stat(path), stat(`${path}.journal`)]);
      expect(after.map((s) => s.mtimeMs)).toEqual(before.map((s) => s.mtimeMs));
      expect(await readdir(dir)).toEqual(['ipam.json', 'ipam.json.journal', 'ipam.json.tmp12345']);
    },
  );

  it.each([
    [
      'another journal format',
      () => encodeFrame('{"journal":"vpc-ipamd-journal/2","snapshot":"' + 'a'.repeat(64) + '"}'),
      'version',
      'unsupported journal format "vpc-ipamd-journal/2" (this daemon reads "vpc-ipamd-journal/1")',
    ],
    [
      'a whole record that is not ours',
      () => encodeFrame(encodeHeader('a'.repeat(64))) + encodeFrame('{"changes":[{"grow":1}]}'),
      'invalid',
      'record at byte 125: changes[0]: unknown change "grow"',
    ],
    [
      'no header',
      () => encodeFrame(encodeCommit([freeChange('10.0.1.1')])),
      'invalid',
      'record at byte 0: the journal does not start with its header',
    ],
  ])(
    '%s: start refused naming the journal, files untouched',
    async (_what, journal, kind, detail) => {
      const f = files();
      await writeFile(path, f.snapshot);
      await writeFile(`${path}.journal`, journal());
      const error = await restoreCheckpoint({
        path,
        datastore: emptyLike(INVENTORY, rig.clock),
        liveLinkNames: undefined,
      }).catch((e: unknown) => e);
      expect((error as CheckpointError).kind).toBe(kind);
      expect((error as CheckpointError).message).toBe(`checkpoint ${path}.journal: ${detail}`);
      expect(await readFile(`${path}.journal`, 'utf8')).toBe(journal());
      expect(await readdir(dir)).toEqual(['ipam.json', 'ipam.json.journal']);
    },
  );

  it('a journal that does not continue the snapshot (the reference wrote it after a downgrade) is kept aside, not replayed', async () => {
    const f = files();
    const reference = renderCheckpoint(emptyWith([['z', '10.0.1.9']]));
    await writeFile(path, reference);
    await writeFile(`${path}.journal`, f.journal);
    const ds = emptyLike(INVENTORY, rig.clock);
    const report = await restoreCheckpoint({ path, datastore: ds, liveLinkNames: undefined });
    expect(allocated(ds)).toEqual(['z=10.0.1.9']);
    const keptAs = `${path}.journal.unmatched-${Math.floor(rig.clock.now())}`;
    expect(report.journal).toEqual({
      path: `${path}.journal`,
      commitsReplayed: 0,
      changesReplayed: 0,
      keptAs,
    });
    expect(await readFile(keptAs, 'utf8')).toBe(f.journal);
    expect(await readdir(dir)).toEqual(['ipam.json', keptAs.slice(dir.length + 1)]);
  });

  it('a journal without a snapshot: a fresh node, the journal kept aside', async () => {
    await writeFile(`${path}.journal`, files().journal);
    const report = await restoreCheckpoint({
      path,
      datastore: emptyLike(INVENTORY, rig.clock),
      liveLinkNames: undefined,
    });
    expect(report.fresh).toBe(true);
    expect(report.journal?.keptAs).toMatch(/ipam\.json\.journal\.unmatched-\d+$/);
    expect(await readdir(dir)).toEqual([report.journal!.keptAs!.slice(dir.length + 1)]);
  });

  it('temp files a kill left are removed at start; other names are not touched', async () => {
    await writeFile(path, files().snapshot);
    const left = ['ipam.json.tmp1234567', 'ipam.json.journal.tmp42'];
    const kept = ['ipam.json.tmpx', 'other.json.tmp1', 'ipam.json.dropped'];
    for (const name of [...left, ...kept]) await writeFile(join(dir, name), 'x');
    const report = await restoreCheckpoint({
      path,
      datastore: emptyLike(INVENTORY, rig.clock),
      liveLinkNames: undefined,
    });
    expect([...(report.removedTempFiles ?? [])].sort()).toEqual(
      left.map((name) => join(dir, name)).sort(),
    );
    expect((await readdir(dir)).sort()).toEqual(['ipam.json', ...kept].sort());
  });
});

describe('restore failures name the file (in memory)', () => {
  it('a journal that cannot be read', async () => {
    const fs = new MemoryFs();
    fs.files.set(PATH, files().snapshot);
    fs.failWith = (op) => (op === 'readBytes' ? new Error('EACCES: permission denied') : undefined);
    await expect(
      restoreCheckpoint({
        path: PATH,
        datastore: emptyLike(INVENTORY, rig.clock),
        liveLinkNames: [],
        fs,
      }),
    ).rejects.toThrow(`checkpoint ${PATH}.journal: cannot read: EACCES: permission denied`);
  });

  it('a journal that cannot be moved aside', async () => {
    const fs = new MemoryFs();
    fs.files.set(`${PATH}.journal`, files().journal);
    fs.failWith = (op) => (op === 'rename' ? new Error('EROFS: read-only file system') : undefined);
    const error = await restoreCheckpoint({
      path: PATH,
      datastore: emptyLike(INVENTORY, rig.clock),
      liveLinkNames: [],
      fs,
    }).catch((e: unknown) => e);
    expect((error as CheckpointError).kind).toBe('write');
    expect((error as CheckpointError).message).toMatch(
      new RegExp(
        `^checkpoint ${PATH}\\.journal: cannot move the journal, which does not continue the snapshot, to ${PATH}\\.journal\\.unmatched-\\d+: EROFS: read-only file system$`,
      ),
    );
  });

  it('a torn tail that cannot be recorded: the checkpoint is not rewritten, the journal not cut', async () => {
    const fs = new MemoryFs();
    const f = files();
    const journal = `${f.journal}12 abc`;
    fs.files.set(PATH, f.snapshot);
    fs.files.set(`${PATH}.journal`, journal);
    fs.failWith = (op, path) =>
      op === 'sync' && path.endsWith('.dropped') ? new Error('EIO') : undefined;
    const error = await restoreCheckpoint({
      path: PATH,
      datastore: emptyLike(INVENTORY, rig.clock),
      liveLinkNames: undefined,
      fs,
    }).catch((e: unknown) => e);
    expect((error as CheckpointError).kind).toBe('dropped-write');
    expect((error as CheckpointError).message).toBe(
      `checkpoint ${PATH}: cannot record 0 dropped allocation(s) and the torn end of the journal in ${PATH}.dropped, so the checkpoint is not rewritten: EIO`,
    );
    expect(fs.files.get(PATH)).toBe(f.snapshot);
    expect(fs.files.get(`${PATH}.journal`)).toBe(journal);
  });

  it('a temp file that cannot be removed is left; the start goes on', async () => {
    const fs = new MemoryFs();
    fs.files.set(PATH, files().snapshot);
    fs.files.set(`${PATH}.tmp99`, 'x');
    fs.failWith = (op) => (op === 'unlink' ? new Error('EBUSY') : undefined);
    const report = await restoreCheckpoint({
      path: PATH,
      datastore: emptyLike(INVENTORY, rig.clock),
      liveLinkNames: [],
      fs,
    });
    expect(report.removedTempFiles).toBeUndefined();
    expect(fs.files.has(`${PATH}.tmp99`)).toBe(true);
  });

  it('a crash at any step of a restore leaves files that restore to the same state', async () => {
    const f = files();
    const start = new Map([
      [PATH, f.snapshot],
      [`${PATH}.journal`, `${f.journal}40 0000`],
    ]);
    const images: Map<string, string>[] = [];
    const fs = new MemoryFs();
    for (const [p, t] of start) fs.files.set(p, t);
    fs.onStep = () => images.push(new Map(fs.files));
    const ds = emptyLike(INVENTORY, rig.clock);
    await restoreCheckpoint({ path: PATH, datastore: ds, liveLinkNames: undefined, fs });
    expect(images.length).toBeGreaterThan(10);
    for (const image of [...images, fs.files]) {
      expect(held(await restoreFrom(image, INVENTORY, rig.clock))).toEqual(held(ds));
    }
  });
});
