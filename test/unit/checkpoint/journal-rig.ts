import { JournaledDatastore } from '../../../src/checkpoint/journaled-datastore.ts';
import { restoreCheckpoint } from '../../../src/checkpoint/restore.ts';
import { CheckpointWriter } from '../../../src/checkpoint/writer.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { Datastore } from '../../../src/ipam/datastore.ts';
import type { IpamKey } from '../../../src/ipam/ipam-key.ts';
import { MemoryFs } from './memory-fs.ts';

/**
 * A card's datastore and checkpoint writer on an in-memory filesystem, driven like the daemon
 * drives them (change, commit, undo on failure), with the compaction timer in the test's hand.
 */

export const PATH = '/run/aws-node/ipam.json';
export const T0 = Date.UTC(2026, 0, 1);
export const COOLDOWN_MS = 30_000;

export const key = (i: number): IpamKey => ({
  networkName: 'aws-cni',
  containerID: `c${i}`,
  ifName: 'eth0',
});
export const meta = (i: number) => ({
  k8sPodNamespace: 'default',
  k8sPodName: `p${i}`,
  interfacesCount: 1,
});

/** ENIs and CIDRs of a datastore, to rebuild an empty one like it for a restore. */
export interface Inventory {
  readonly enis: readonly {
    readonly id: string;
    readonly deviceNumber: number;
    readonly isPrimary: boolean;
    readonly cidrs: readonly { cidr: string; isPrefix: boolean }[];
  }[];
}

export function inventoryOf(ds: Datastore): Inventory {
  return {
    enis: ds.enis().map((e) => ({
      id: e.id,
      deviceNumber: e.deviceNumber,
      isPrimary: e.isPrimary,
      cidrs: ds.cidrsOf(e.id),
    })),
  };
}

export function emptyLike(inventory: Inventory, clock: ManualClock): Datastore {
  const ds = new Datastore({ clock, cooldownMs: COOLDOWN_MS, prefixDelegation: true });
  for (const eni of inventory.enis) {
    ds.addEni({ id: eni.id, deviceNumber: eni.deviceNumber, isPrimary: eni.isPrimary });
    for (const c of eni.cidrs) ds.addCidr(eni.id, c.cidr, c.isPrefix);
  }
  return ds;
}

/** What a checkpoint holds, comparable across datastores. */
export function held(ds: Datastore) {
  return {
    allocations: ds
      .allocations()
      .map((a) => `${a.ip} ${a.key.containerID} ${a.metadata.k8sPodName} @${a.assignedAtNs}`)
      .sort(),
    cooling: ds
      .coolingAddresses()
      .map((c) => `${c.ip} @${c.unassignedAtNs}`)
      .sort(),
  };
}

/** Restores from a copy of `files` into an empty datastore like `inventory`. */
export async function restoreFrom(
  files: ReadonlyMap<string, string>,
  inventory: Inventory,
  clock: ManualClock,
): Promise<Datastore> {
  const fs = new MemoryFs();
  for (const [path, text] of files) fs.files.set(path, text);
  const ds = emptyLike(inventory, clock);
  await restoreCheckpoint({ path: PATH, datastore: ds, liveLinkNames: undefined, fs });
  return ds;
}

export class JournalRig {
  readonly clock = new ManualClock(T0);
  readonly fs = new MemoryFs();
  readonly ds: JournaledDatastore;
  readonly writer: CheckpointWriter;
  /** The compaction the writer has asked to run, fired by the test. */
  private timer: (() => void) | undefined;
  readonly compactionErrors: unknown[] = [];

  constructor(options: { compactAtBytes?: number } = {}) {
    this.ds = new JournaledDatastore({
      clock: this.clock,
      cooldownMs: COOLDOWN_MS,
      prefixDelegation: true,
    });
    this.ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    this.ds.addCidr('eni-1', '10.0.1.0/28', true);
    this.ds.addCidr('eni-1', '10.0.1.16/28', true);
    this.ds.addEni({ id: 'eni-2', deviceNumber: 1 });
    this.ds.addCidr('eni-2', '10.0.2.0/28', true);
    let suffix = 0;
    this.writer = new CheckpointWriter({
      path: PATH,
      datastore: this.ds,
      fs: this.fs,
      tempSuffix: () => String(suffix++),
      after: (_ms, fn) => {
        this.timer = fn;
        return () => {
          if (this.timer === fn) this.timer = undefined;
        };
      },
      ...(options.compactAtBytes !== undefined ? { compactAtBytes: options.compactAtBytes } : {}),
      onCompactionError: (error) => this.compactionErrors.push(error),
    });
  }

  get compactionDue(): boolean {
    return this.timer !== undefined;
  }

  /** Fires the compaction timer, when one is set. */
  compactNow(): boolean {
    const fire = this.timer;
    this.timer = undefined;
    fire?.();
    return fire !== undefined;
  }

  /** An ADD as the daemon does it: assign, commit, undo when the commit fails. */
  async add(i: number): Promise<string | undefined> {
    const assignment = this.ds.assign(key(i), meta(i));
    try {
      await this.writer.commit();
      return assignment.ip;
    } catch {
      this.ds.undoAssign(assignment);
      return undefined;
    }
  }

  /** A DEL as the daemon does it; false when the commit failed (the pod keeps its address). */
  async del(i: number): Promise<boolean> {
    const unassignment = this.ds.unassign(key(i));
    try {
      await this.writer.commit();
      return true;
    } catch {
      this.ds.undoUnassign(unassignment);
      return false;
    }
  }

  /** Allocations and cooling addresses a restart would restore now. */
  async restored(): Promise<ReturnType<typeof held>> {
    return held(await restoreFrom(this.fs.files, inventoryOf(this.ds), this.clock));
  }
}

export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
