import { HEX_ID_WORDS, packHexId } from './hex-id.ts';

/** Strings longer than this are hashed on a sample of their characters (all compared on a hit). */
const FULL_HASH_LENGTH = 24;

/**
 * One IPAM key (networkName, containerID, ifName) prepared for the key index: its hash, and its
 * container ID packed into words when it has the runtimes' 64-hex-digit shape (hex-id.ts). The
 * datastore loads one reusable probe per request, so preparing a key allocates nothing; a probe
 * is valid until it is loaded again.
 */
export class KeyProbe {
  networkName = '';
  containerID = '';
  ifName = '';
  /** The container ID as words, when `packed`. */
  readonly words = new Int32Array(HEX_ID_WORDS);
  packed = false;
  /** Deterministic (no per-process seed); equal keys have equal hashes. */
  hash = 0;

  load(networkName: string, containerID: string, ifName: string): this {
    this.networkName = networkName;
    this.containerID = containerID;
    this.ifName = ifName;
    this.packed = packHexId(containerID, this.words, 0);
    let h = this.packed ? mixWords(0x811c9dc5, this.words) : mixText(0x811c9dc5, containerID);
    h = mixText(h, networkName);
    h = mixText(h, ifName);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    this.hash = h ^ (h >>> 16);
    return this;
  }
}

function mixWords(seed: number, words: Int32Array): number {
  let h = seed;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193) ^ (h >>> 15);
  return h;
}

/**
 * Long strings contribute their length and 24 characters from the start, middle and end: enough
 * to spread runtime-generated IDs that are not hex, and a poor spread only lengthens probes,
 * never confuses keys.
 */
function mixText(seed: number, text: string): number {
  const length = text.length;
  let h = Math.imul(seed ^ length, 0x01000193);
  if (length <= FULL_HASH_LENGTH) {
    for (let i = 0; i < length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }
  const middle = (length >>> 1) - 4;
  for (let i = 0; i < 8; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ text.charCodeAt(middle + i), 0x01000193);
    h = Math.imul(h ^ text.charCodeAt(length - 8 + i), 0x01000193);
  }
  return h;
}
