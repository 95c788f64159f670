import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDatastoreError } from '../../../src/ipam/datastore-errors.ts';
import {
  held,
  type Inventory,
  inventoryOf,
  JournalRig,
  key,
  PATH,
  restoreFrom,
  turn,
} from './journal-rig.ts';
import type { FsOp } from './memory-fs.ts';

/**
 * Random ADDs, DELs, failed writes (and the undos they cause), CIDRs taken away, time passing,
 * compactions and event-loop turns, some calls overlapping others:
 * - afterwards, what a restart restores from the snapshot and the journal equals the live
 *   datastore (assigned addresses with key, metadata and time; cooling addresses with time);
 * - at every filesystem operation on the way (where a crash could stop the process), the files
 *   restore without error, with every acknowledged ADD at its address and no acknowledged DEL.
 */

const PODS = 14;
/** `npm run test:soak` (VPC_IPAMD_SOAK=1) runs many more sequences. */
const RUNS = Number(process.env.JOURNAL_PROPERTY_RUNS ?? (process.env.VPC_IPAMD_SOAK ? 2000 : 25));

type Op =
  | { readonly kind: 'add' | 'del'; readonly pod: number; readonly wait: boolean }
  | { readonly kind: 'fail'; readonly op: FsOp }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'compact' }
  | { readonly kind: 'turn' }
  | { readonly kind: 'removeCidr'; readonly which: number }
  /** A removed CIDR comes back (EC2 hands the same prefix out again). */
  | { readonly kind: 'readdCidr' }
  /** Every filesystem operation takes a turn of the event loop (or no longer does). */
  | { readonly kind: 'slowFs'; readonly on: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom('add' as const, 'del' as const),
      pod: fc.nat(PODS - 1),
      wait: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('fail' as const),
      op: fc.constantFrom<FsOp>(
        'write',
        'sync',
        'truncate',
        'rename',
        'createExclusive',
        'syncDir',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat(40_000) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('compact' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('turn' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('removeCidr' as const), which: fc.nat(2) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('readdCidr' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('slowFs' as const), on: fc.boolean() }) },
);

/** What the callers were told: a pod's last acknowledged outcome, unless a call is in flight. */
interface PodAck {
  ack?: { readonly ip: string } | 'deleted';
  inFlight: number;
  /** Taken away by a CIDR removal: what its files say is not pinned by an acknowledgement. */
  unsure: boolean;
  /** Removals so far: a call started before one is acknowledged for an address it lost. */
  removals: number;
  /**
   * A call failed: until the writes count reaches this (the write carrying the undo), a crash
   * may find the failed change in a snapshot rendered while it was in flight.
   */
  settledAtWrites: number;
}

interface Image {
  readonly files: Map<string, string>;
  readonly inventory: Inventory;
  readonly expected: ReadonlyMap<number, { readonly ip: string } | 'deleted'>;
}

async function run(ops: readonly Op[]) {
  const rig = new JournalRig({ compactAtBytes: 2_000 });
  const pods = new Map<number, PodAck>(
    Array.from({ length: PODS }, (_, i) => [
      i,
      { inFlight: 0, unsure: false, removals: 0, settledAtWrites: 0 },
    ]),
  );
  const images: Image[] = [];
  let failing: FsOp | undefined;
  rig.fs.failWith = (op) => {
    if (op !== failing) return undefined;
    failing = undefined;
    return new Error(`injected ${op} failure`);
  };
  rig.fs.onStep = () => {
    const expected = new Map<number, { ip: string } | 'deleted'>();
    const writes = rig.writer.counts().writes;
    for (const [pod, state] of pods) {
      const settled = state.inFlight === 0 && !state.unsure && writes >= state.settledAtWrites;
      if (settled && state.ack) expected.set(pod, state.ack);
    }
    images.push({ files: new Map(rig.fs.files), inventory: inventoryOf(rig.ds), expected });
  };

  const removed: [string, string][] = [];
  const pending: Promise<unknown>[] = [];
  const call = async (pod: number, work: () => Promise<PodAck['ack'] | 'failed'>) => {
    const state = pods.get(pod)!;
    const removals = state.removals;
    state.inFlight++;
    try {
      const outcome = await work();
      if (outcome === 'failed') state.settledAtWrites = rig.writer.counts().writes + 1;
      else if (outcome && state.removals === removals) {
        state.ack = outcome;
        state.unsure = false;
      }
    } finally {
      state.inFlight--;
    }
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'add': {
        // One call per pod at a time: an ADD and a DEL of one pod failing in the same write undo
        // in call order, which can leave the pod its address (the daemon's, not the journal's).
        if (pods.get(op.pod)!.inFlight > 0 || rig.ds.lookup(key(op.pod))) break;
        const started = call(op.pod, async () => {
          try {
            const ip = await rig.add(op.pod);
            return ip === undefined ? 'failed' : { ip };
          } catch (error) {
            if (isDatastoreError(error, 'no-available-ip')) return undefined;
            throw error;
          }
        });
        if (op.wait) await started;
        else pending.push(started);
        break;
      }
      case 'del': {
        if (pods.get(op.pod)!.inFlight > 0 || !rig.ds.lookup(key(op.pod))) break;
        const started = call(op.pod, async () => {
          if (await rig.del(op.pod)) return 'deleted';
          // The undo found the address's CIDR gone: the pod lost it to the removal.
          if (!rig.ds.lookup(key(op.pod))) pods.get(op.pod)!.unsure = true;
          return 'failed';
        });
        if (op.wait) await started;
        else pending.push(started);
        break;
      }
      case 'fail':
        failing = op.op;
        break;
      case 'advance':
        rig.clock.advance(op.ms);
        break;
      case 'compact':
        rig.compactNow();
        break;
      case 'turn':
        await turn();
        break;
      case 'removeCidr': {
        const cidrs = rig.ds.enis().flatMap((e) => rig.ds.cidrsOf(e.id).map((c) => [e.id, c.cidr]));
        const target = cidrs[op.which % Math.max(1, cidrs.length)];
        if (!target) break;
        const [eniId, cidr] = target as [string, string];
        const { released } = rig.ds.removeCidr(eniId, cidr, true);
        removed.push([eniId, cidr]);
        for (const r of released) {
          const state = pods.get(Number(r.key.containerID.slice(1)))!;
          state.unsure = true;
          state.removals++;
        }
        // The reconciler commits and keeps going whatever the outcome.
        pending.push(rig.writer.commit().catch(() => undefined));
        break;
      }
      case 'readdCidr': {
        const back = removed.shift();
        if (back) rig.ds.addCidr(back[0], back[1], true);
        break;
      }
      case 'slowFs':
        rig.fs.gate = op.on ? () => turn() : () => undefined;
        break;
    }
  }
  failing = undefined;
  await Promise.all(pending);
  // A last commit: changes put back by a failed write get written (the daemon's next commit).
  await rig.writer.commit();
  await rig.writer.idle();
  return { rig, images };
}

describe('journal replay (property)', () => {
  it('the restored datastore equals the live one, and every crash point restores what was acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 30, maxLength: 120 }), async (ops) => {
        const { rig, images } = await run(ops);
        expect(await rig.restored()).toEqual(held(rig.ds));
        expect(rig.fs.others(PATH).filter((p) => p.includes('.tmp'))).toEqual([]);

        for (const [n, image] of images.entries()) {
          const restored = held(await restoreFrom(image.files, image.inventory, rig.clock));
          const byPod = new Map(
            restored.allocations.map((line) => {
              const [ip, containerID] = line.split(' ');
              return [containerID!, ip!];
            }),
          );
          for (const [pod, outcome] of image.expected) {
            const where = `crash image ${n}/${images.length}, pod ${pod}`;
            if (outcome === 'deleted') expect(byPod.has(`c${pod}`), where).toBe(false);
            else expect(byPod.get(`c${pod}`), where).toBe(outcome.ip);
          }
        }
      }),
      {
        numRuns: RUNS,
        // To replay a failure: the seed and path fast-check printed.
        ...(process.env.JOURNAL_PROPERTY_SEED
          ? {
              seed: Number(process.env.JOURNAL_PROPERTY_SEED),
              path: process.env.JOURNAL_PROPERTY_PATH,
              endOnFailure: true,
            }
          : {}),
      },
    );
  }, 120_000);
});
