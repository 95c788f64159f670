import {
  CHECKPOINT_VERSION,
  type CooldownEntry,
  type DecodedCheckpoint,
  type DecodedEntry,
} from './format.ts';
import { familyOf, type JournalChange } from './journal-records.ts';

type AddressState =
  | { readonly kind: 'assigned'; readonly decoded: DecodedEntry }
  | { readonly kind: 'cooling'; readonly entry: CooldownEntry };

/**
 * The checkpoint that a snapshot and the journal's changes after it make together, in the shape
 * the restore rules take (restore-plan.ts), so those rules judge a replayed allocation exactly as
 * one read from the file, and a dropped one is kept with the JSON it was journaled as.
 *
 * Each change states an address's whole new state, so the last change of an address wins. What
 * the snapshot holds twice (an address listed twice, an entry without an address) is passed on
 * untouched for those rules to refuse or drop, as without a journal.
 */
export function replayChanges(
  snapshot: DecodedCheckpoint | undefined,
  changes: Iterable<JournalChange>,
): DecodedCheckpoint {
  const state = new Map<string, AddressState>();
  const passedOn: DecodedEntry[] = [];
  const passedOnCooldown: CooldownEntry[] = [];
  for (const decoded of snapshot?.allocations ?? []) {
    const ip = addressOf(decoded.entry);
    if (ip === '' || state.has(ip)) passedOn.push(decoded);
    else state.set(ip, { kind: 'assigned', decoded });
  }
  for (const entry of snapshot?.cooldown ?? []) {
    const ip = addressOf(entry);
    if (ip === '' || state.has(ip)) passedOnCooldown.push(entry);
    else state.set(ip, { kind: 'cooling', entry });
  }

  for (const change of changes) {
    switch (change.kind) {
      case 'assign':
        setState(state, addressOf(change.entry), {
          kind: 'assigned',
          decoded: { entry: change.entry, source: change.source },
        });
        break;
      case 'cool':
        setState(state, addressOf(change.entry), { kind: 'cooling', entry: change.entry });
        break;
      case 'free':
        state.delete(change.ip);
        break;
      case 'drop':
        dropCidr(state, change.cidr);
        break;
    }
  }

  const allocations: DecodedEntry[] = [];
  const cooldown: CooldownEntry[] = [];
  for (const value of state.values()) {
    if (value.kind === 'assigned') allocations.push(value.decoded);
    else cooldown.push(value.entry);
  }
  return {
    version: snapshot?.version ?? CHECKPOINT_VERSION,
    allocations: [...allocations, ...passedOn],
    cooldown: [...cooldown, ...passedOnCooldown],
  };
}

/** Re-inserted, so that the result lists addresses in the order they were last changed. */
function setState(state: Map<string, AddressState>, ip: string, value: AddressState): void {
  if (ip === '') return;
  state.delete(ip);
  state.set(ip, value);
}

function addressOf(entry: { readonly ipv4: string; readonly ipv6?: string }): string {
  return entry.ipv4 !== '' ? entry.ipv4 : (entry.ipv6 ?? '');
}

function dropCidr(state: Map<string, AddressState>, cidrText: string): void {
  const family = familyOf(cidrText);
  const cidr = family.parseCidr(cidrText);
  if (!cidr) return; // decodeRecord accepts only CIDRs
  for (const ip of [...state.keys()]) {
    const value = family.parseAddress(ip);
    if (value !== undefined && family.offsetIn(cidr, value) >= 0) state.delete(ip);
  }
}
