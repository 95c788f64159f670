import type { CommandRunner } from '../command-runner.ts';
import type { IptablesCapabilities } from './render-snat-rules.ts';

/**
 * Which iptables frontend a node uses (nf_tables or legacy) and what it can do, read from
 * `iptables --version`. The rule texts are the same for both; the frontend is reported in logs
 * and decides nothing else.
 */

export type FrontendKind = 'nft' | 'legacy';

export interface IptablesFrontend extends IptablesCapabilities {
  readonly kind: FrontendKind;
  /** e.g. '1.8.9'; '' when the output had no version. */
  readonly version: string;
  /** The base command: 'iptables', 'iptables-legacy', 'iptables-nft'. */
  readonly command: string;
}

function versionAtLeast(version: string, wanted: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < wanted.length; i++) {
    const have = parts[i] ?? 0;
    if (have !== wanted[i]) return have > wanted[i]!;
  }
  return true;
}

/** Parses "iptables v1.8.9 (nf_tables)" / "iptables v1.8.9 (legacy)" / "iptables v1.6.1". */
export function parseIptablesVersion(text: string, command = 'iptables'): IptablesFrontend {
  const version = /v(\d+(?:\.\d+)*)/.exec(text)?.[1] ?? '';
  return {
    kind: text.includes('nf_tables') ? 'nft' : 'legacy',
    version,
    command,
    // SNAT --random-fully arrived in iptables 1.6.2.
    randomFully: version !== '' && versionAtLeast(version, [1, 6, 2]),
  };
}

export async function detectIptablesFrontend(
  runner: CommandRunner,
  command = 'iptables',
): Promise<IptablesFrontend> {
  const result = await runner.run(command, ['--version']);
  return parseIptablesVersion(`${result.stdout}${result.stderr}`, command);
}
