import {
  appendFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { combineCheckpoint } from '../../../src/checkpoint/durable-checkpoint.ts';
import { encodeCheckpoint } from '../../../src/checkpoint/format.ts';
import { frameBytes, scanFrames } from '../../../src/checkpoint/journal-frame.ts';
import { decodeRecord, encodeCommit, freeChange } from '../../../src/checkpoint/journal-records.ts';
import {
  addRequest,
  type DaemonProcess,
  delRequest,
  ipOf,
  type TestNode,
  waitFor,
  withWorld,
} from './harness.ts';

/**
 * The checkpoint journal with a real daemon process: SIGKILL in the middle of a compaction (the
 * snapshot being rewritten in the background), then a restart; and what the reference would
 * read after a downgrade — the snapshot alone — after a crash and while terminating.
 */

const PODS = 20;
/** Kills per point: one in CI, more under `npm run test:soak` (VPC_IPAMD_SOAK=1). */
const ROUNDS = process.env.VPC_IPAMD_SOAK ? 5 : 1;
/** How long a compaction may take to start: its timer is 1 s after a commit; a loaded box lags. */
const COMPACTION_DEADLINE_MS = 10_000;

/** Where in a compaction the kill lands, watched from outside by polling the state directory. */
const KILL_POINTS = {
  'while the new snapshot is being written': (dir: string) =>
    readdirSync(dir).some((name) => /^ipam\.json\.tmp\d+$/.test(name)),
  'once the base naming it is in the journal': (dir: string, journalBytes: number) =>
    statSync(join(dir, 'ipam.json.journal')).size > journalBytes,
  'while the journal is being rewritten': (dir: string) =>
    readdirSync(dir).some((name) => /^ipam\.json\.journal\.tmp\d+$/.test(name)),
} as const;

/**
 * Spins (the daemon is another process) until `reached` holds, then SIGKILLs at once: nothing
 * else runs in this process meanwhile, so the kill follows the change it saw within microseconds.
 * 'missed' when the compaction ended (the journal rewritten, shorter than before) unseen.
 */
function killWhen(
  daemon: DaemonProcess,
  dir: string,
  reached: (journalBytes: number) => boolean,
): 'killed' | 'missed' {
  const journal = join(dir, 'ipam.json.journal');
  const before = statSync(journal).size;
  const deadline = Date.now() + COMPACTION_DEADLINE_MS;
  while (Date.now() < deadline) {
    try {
      if (reached(before)) {
        process.kill(daemon.pid, 'SIGKILL');
        return 'killed';
      }
      if (statSync(journal).size < before) return 'missed';
    } catch {
      // a file renamed away between listing and stat
    }
  }
  throw new Error(`no compaction within ${COMPACTION_DEADLINE_MS} ms`);
}

/** What the files left show about where the kill landed. */
function leftBehind(node: TestNode): string {
  const names = readdirSync(node.dir).filter((n) => n.startsWith('ipam.json'));
  const journal = join(node.dir, 'ipam.json.journal');
  const bases = existsSync(journal)
    ? scanFrames(readFileSync(journal)).frames.filter(
        (f) => decodeRecord(f.payload).kind === 'base',
      ).length
    : 0;
  return `${names.sort().join(', ')}; ${bases} base record(s) in the journal`;
}

describe('journal: SIGKILL during compaction, then restart', () => {
  for (const [point, reached] of Object.entries(KILL_POINTS)) {
    for (let round = 1; round <= ROUNDS; round++) {
      const title = `killed ${point}${ROUNDS > 1 ? ` (${round}/${ROUNDS})` : ''}`;
      it(`${title}: no acknowledged ADD or DEL lost, no address given twice`, async () => {
        await withWorld({}, async (world) => {
          const node = await world.node({ instanceType: 'm5.large' });
          const first = await node.start();
          const { client } = first;
          const ips = new Map<string, string>();
          for (let i = 0; i < PODS; i++) {
            ips.set(`pod-${i}`, ipOf(await client.addNetwork(addRequest(`pod-${i}`))));
          }
          const deleted = ['pod-3', 'pod-7'];
          for (const name of deleted) {
            expect((await client.delNetwork(delRequest(name))).Success).toBe(true);
            ips.delete(name);
          }
          // Every ADD and DEL is in the journal; the snapshot is rewritten within about a second.
          // A window this process did not see (it was not scheduled) is tried again after
          // another ADD, up to five compactions.
          let outcome: 'killed' | 'missed' = 'missed';
          for (let attempt = 1; attempt <= 5 && outcome === 'missed'; attempt++) {
            const name = `extra-${attempt}`;
            ips.set(name, ipOf(await client.addNetwork(addRequest(name))));
            outcome = killWhen(first, node.dir, (bytes) => reached(node.dir, bytes));
          }
          if (outcome === 'missed') first.signal('SIGKILL');
          await first.exited;
          first.closeClient();
          console.info(`[journal] ${title}: ${outcome}; left ${leftBehind(node)}`);
          expect(outcome).toBe('killed');

          // What the killed daemon left restores every acknowledged change.
          const inFiles = new Map(node.checkpoint().allocations.map((a) => [a.containerID, a.ip]));
          for (const [name, ip] of ips) expect(inFiles.get(`cid-${name}`), name).toBe(ip);
          for (const name of deleted) expect(inFiles.has(`cid-${name}`), name).toBe(false);

          const second = await node.start();
          const restored = second.findLog('checkpoint restored');
          expect(restored).toMatchObject({ fresh: false, dropped: 0 });
          // A temp file the kill left is gone; nothing is left for evidence (a kill tears no write).
          expect(readdirSync(node.dir).filter((n) => n.includes('.tmp'))).toEqual([]);
          expect(existsSync(`${node.checkpointPath}.dropped`)).toBe(false);
          for (const [name, ip] of ips) {
            expect(ipOf(await second.client.addNetwork(addRequest(name))), name).toBe(ip);
          }
          for (const name of deleted) {
            const again = await second.client.delNetwork(delRequest(name)).catch((e: unknown) => e);
            expect((again as { details?: string }).details, name).toContain(
              'datastore: unknown pod',
            );
          }
          // More pods: every address goes to one pod only, across both runs (m5.large: 27).
          const owners = new Map([...ips].map(([name, ip]) => [ip, name]));
          for (let i = PODS; i < PODS + 3; i++) {
            const ip = ipOf(await second.client.addNetwork(addRequest(`pod-${i}`)));
            expect(owners.get(ip), `${ip} for pod-${i}`).toBeUndefined();
            owners.set(ip, `pod-${i}`);
          }
          expect(await second.stop()).toEqual({ code: 0, signal: null });
          // A clean stop leaves the reference's files only: the whole snapshot, no journal.
          expect(readdirSync(node.dir).filter((n) => n.startsWith('ipam.json'))).toEqual([
            'ipam.json',
          ]);
          expect(node.snapshot().allocations).toHaveLength(owners.size);
        });
      }, 90_000);
    }
  }
});

describe('journal: what the reference reads after a downgrade (the snapshot alone)', () => {
  it('after a crash: at most one compaction behind — it catches up without a clean stop', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start();
      for (let i = 0; i < 12; i++) ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`)));
      expect((await daemon.client.delNetwork(delRequest('pod-4'))).Success).toBe(true);
      const durable = () =>
        node
          .checkpoint()
          .allocations.map((a) => `${a.containerID}=${a.ip}`)
          .sort()
          .join(' ');
      const seenByReference = () =>
        node
          .snapshot()
          .allocations.map((a) => `${a.containerID}=${a.ip}`)
          .sort()
          .join(' ');
      expect(durable().split(' ')).toHaveLength(11);
      await waitFor('the snapshot to catch up with the journal', () =>
        seenByReference() === durable() ? true : undefined,
      );
      expect(await daemon.kill()).toEqual({ code: null, signal: 'SIGKILL' });
      expect(node.snapshot().version).toBe('vpc-cni-ipam/1');
      expect(seenByReference()).toBe(durable());
    });
  }, 60_000);

  it('once terminating (SIGTERM), every acknowledged change is in the snapshot before the reply', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start();
      for (let i = 0; i < 5; i++) ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`)));
      daemon.signal('SIGTERM');
      await waitFor('the terminating log line', () =>
        daemon.logLines().find((l) => String(l.msg).startsWith('terminating')),
      );
      for (let i = 5; i < 8; i++) {
        const ip = ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`)));
        expect(node.snapshot().allocations).toContainEqual({ containerID: `cid-pod-${i}`, ip });
      }
      expect((await daemon.client.delNetwork(delRequest('pod-0'))).Success).toBe(true);
      expect(node.snapshot().allocations.map((a) => a.containerID)).not.toContain('cid-pod-0');
      expect(existsSync(`${node.checkpointPath}.journal`)).toBe(false);
      // Killed at the end of its grace period: the reference finds every pod.
      expect(await daemon.kill()).toEqual({ code: null, signal: 'SIGKILL' });
      expect(node.snapshot().allocations).toHaveLength(7);
    });
  }, 60_000);
});

describe('journal: damage found at start-up (real daemon)', () => {
  /** A daemon that took `pods` ADDs and was killed: their commits are in its journal. */
  async function killedWith(node: TestNode, pods: number): Promise<Map<string, string>> {
    const daemon = await node.start();
    const ips = new Map<string, string>();
    for (let i = 0; i < pods; i++) {
      ips.set(`pod-${i}`, ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`))));
    }
    await daemon.kill();
    return ips;
  }

  it('a torn end: cut, kept in .dropped, a warning; every acknowledged ADD restored', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const ips = await killedWith(node, 4);
      const torn = frameBytes(encodeCommit([freeChange('10.9.9.9')])).subarray(0, 30);
      appendFileSync(`${node.checkpointPath}.journal`, torn);
      const daemon = await node.start();
      const line = daemon.findLog('checkpoint restored');
      expect(line).toMatchObject({ level: 'warn', journal: { tornTailBytes: 30 } });
      const [evidence] = readFileSync(`${node.checkpointPath}.dropped`, 'utf8').trim().split('\n');
      expect(JSON.parse(evidence!)).toMatchObject({
        reason: 'torn-journal-tail',
        journalTail: Buffer.from(torn).toString('base64'),
      });
      for (const [name, ip] of ips) {
        expect(ipOf(await daemon.client.addNetwork(addRequest(name))), name).toBe(ip);
      }
    });
  }, 60_000);

  it('downgraded and upgraded again: the journal does not continue what the reference wrote; kept aside, not replayed', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const ips = await killedWith(node, 4);
      // The reference ran meanwhile (it knew every pod: say it took over after a SIGTERM, which
      // leaves an exact snapshot); pod-0 and pod-1 went, and it rewrote the file its way.
      const knownToIt = combineCheckpoint(
        node.checkpointPath,
        readFileSync(node.checkpointPath, 'utf8'),
        readFileSync(`${node.checkpointPath}.journal`),
      ).state!.allocations.map((a) => a.entry);
      const kept = knownToIt.filter(
        (entry) => entry.containerID !== 'cid-pod-0' && entry.containerID !== 'cid-pod-1',
      );
      expect(kept).toHaveLength(2);
      writeFileSync(node.checkpointPath, encodeCheckpoint({ allocations: kept, cooldown: [] }));
      const daemon = await node.start();
      const line = daemon.findLog('checkpoint restored');
      expect(line).toMatchObject({ level: 'warn', journal: { commitsReplayed: 0 } });
      const keptAs = (line?.journal as { keptAs?: string } | undefined)?.keptAs ?? '';
      expect(keptAs).toMatch(/ipam\.json\.journal\.unmatched-\d+$/);
      expect(existsSync(keptAs)).toBe(true);
      expect(
        node
          .checkpoint()
          .allocations.map((a) => a.containerID)
          .sort(),
      ).toEqual(['cid-pod-2', 'cid-pod-3']);
      // pod-1's ADD in the old journal is not replayed: its DEL answers "unknown pod".
      const del = await daemon.client.delNetwork(delRequest('pod-1')).catch((e: unknown) => e);
      expect((del as { details?: string }).details).toContain('datastore: unknown pod');
      expect(ipOf(await daemon.client.addNetwork(addRequest('pod-2')))).toBe(ips.get('pod-2'));
    });
  }, 60_000);

  it('a damaged record followed by a whole one: exit 1 naming the journal, every file untouched', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      await killedWith(node, 3);
      const journal = `${node.checkpointPath}.journal`;
      const damagedAt = statSync(journal).size;
      appendFileSync(journal, frameBytes(encodeCommit([freeChange('10.9.9.8')])));
      appendFileSync(journal, frameBytes(encodeCommit([freeChange('10.9.9.9')])));
      const bytes = readFileSync(journal);
      bytes[damagedAt + 20] = bytes[damagedAt + 20]! ^ 0x01;
      writeFileSync(journal, bytes);
      const checkpointFiles = () =>
        readdirSync(node.dir)
          .filter((name) => name.startsWith('ipam.json'))
          .map((name) => [name, readFileSync(join(node.dir, name))]);
      const before = checkpointFiles();

      const daemon = node.spawn();
      expect(await daemon.waitForExit()).toEqual({ code: 1, signal: null });
      expect(daemon.stderr).toContain(`checkpoint ${journal}: damaged record at byte ${damagedAt}`);
      const fatal = daemon.logLines().find((l) => l.level === 'fatal');
      expect(JSON.stringify(fatal)).toContain(journal);
      expect(checkpointFiles()).toEqual(before);
      expect(daemon.findLog('ipamd serving')).toBeUndefined();
    });
  }, 60_000);
});
