/**
 * Which CNI plugins ipamd serves, judged by the `ClientVersion` they send. The check is about the
 * plugin↔ipamd protocol (proto/rpc.proto's CNIBackend), not about our package version:
 *
 * - empty: the reference's shipped `aws-cni` sends no version (its build never sets it);
 * - `v1.x` / `1.x`: the reference's plugins, which speak the same rpc.proto;
 * - our own major line (`v0.x` today);
 * - a string that is not a version at all: served too. Forks build the reference with
 *   `git describe --always` and similar, which gives a bare commit hash, `unknown` or a
 *   home-made tag; such a string declares no protocol generation, so nothing says the plugin is
 *   incompatible, and refusing it would stop every pod on the node (and leak the addresses of
 *   every DEL) for no protocol reason.
 *
 * Only a well-formed version of another major line is refused: it declares a protocol generation
 * this ipamd does not speak. The reference demands an exact match instead (docs/compat.md).
 */

/** `v1.23.1`, `1.9`, `v1.23.1-eksbuild.1`, `v1.12.0-11-gabc1234-dirty`: major.minor[.patch][-+suffix]. */
const WELL_FORMED = /^v?(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?(?:[-+][0-9A-Za-z.+-]*)?$/;

/** The reference's major line: its plugins speak the CNIBackend contract of proto/rpc.proto. */
const REFERENCE_MAJOR = 1;

export interface ParsedVersion {
  readonly major: number;
  /** `vMAJOR.MINOR.PATCH` without any suffix: a metric label of bounded shape. */
  readonly short: string;
}

export function parseVersion(version: string): ParsedVersion | undefined {
  const match = WELL_FORMED.exec(version.trim());
  if (!match) return undefined;
  const [major, minor, patch] = [match[1], match[2], match[3] ?? '0'].map(Number) as [
    number,
    number,
    number,
  ];
  return { major, short: `v${major}.${minor}.${patch}` };
}

/** Mismatch classes of versions that give no well-formed short version. */
export const EMPTY_VERSION = 'empty';
export const UNPARSEABLE_VERSION = 'unparseable';

export type ClientVersionVerdict =
  | {
      readonly accepted: true;
      /** Set when the plugin's version differs from ipamd's: `vX.Y.Z`, `empty` or `unparseable`. */
      readonly mismatch?: string;
    }
  | { readonly accepted: false; readonly message: string };

export function judgeClientVersion(
  clientVersion: string,
  ipamdVersion: string,
): ClientVersionVerdict {
  if (sameVersion(clientVersion, ipamdVersion)) return { accepted: true };
  if (clientVersion.trim() === '') return { accepted: true, mismatch: EMPTY_VERSION };
  const client = parseVersion(clientVersion);
  if (client === undefined) return { accepted: true, mismatch: UNPARSEABLE_VERSION };
  const served = servedMajors(ipamdVersion);
  if (served.includes(client.major)) return { accepted: true, mismatch: client.short };
  return {
    accepted: false,
    message:
      `wrong client version: the plugin sent ClientVersion ${JSON.stringify(clientVersion)} ` +
      `(major version ${client.major}), ipamd ${ipamdVersion} serves plugins of ` +
      `${served.map((major) => `v${major}.x`).join(' and ')} and plugins that send no version`,
  };
}

function sameVersion(a: string, b: string): boolean {
  const bare = (v: string) => v.trim().replace(/^v/, '');
  return bare(a) === bare(b);
}

/** The reference's major line and our own (which may be the same one day). */
function servedMajors(ipamdVersion: string): number[] {
  const ours = parseVersion(ipamdVersion)?.major;
  return ours === undefined || ours === REFERENCE_MAJOR
    ? [REFERENCE_MAJOR]
    : [ours, REFERENCE_MAJOR].sort((a, b) => a - b);
}
