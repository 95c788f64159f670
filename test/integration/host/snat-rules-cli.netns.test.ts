import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { normaliseIptablesSave } from '../../../src/host/snat/iptables-save.ts';
import { announceSkip, hasCommand, NetnsLab, netnsSupport } from './netns-lab.ts';

/** The `vpc-ipamd snat-rules` command run for real inside a namespace, as an operator would. */

const support = netnsSupport();
announceSkip('snat-rules CLI netns tests');
const BIN = fileURLToPath(new URL('../../../bin/vpc-ipamd.js', import.meta.url));
const FRONTENDS = ['iptables-nft', 'iptables-legacy'].filter(hasCommand);

function cli(
  ns: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['netns', 'exec', ns, process.execPath, BIN, 'snat-rules', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const ARGS = ['--vpc-cidrs', '10.0.0.0/16', '--primary-ip', '10.0.0.10', '--primary-if', 'eth0'];

describe.skipIf(!support.ok).each(FRONTENDS)(
  'vpc-ipamd snat-rules in a namespace (%s)',
  (frontend) => {
    const lab = new NetnsLab();
    afterEach(async () => {
      await lab.cleanup();
    });

    it('--apply converges the namespace to what the printing mode shows; a second --apply prints nothing', async () => {
      const ns = await lab.create('cli');
      const env = { AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '192.168.0.0/16' };
      const printed = await cli(ns, [...ARGS, '--iptables', frontend], env);
      expect(printed.code).toBe(0);

      const first = await cli(ns, [...ARGS, '--apply', '--iptables', frontend], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('-N AWS-SNAT-CHAIN-0');
      const saved = normaliseIptablesSave((await lab.exec(ns, `${frontend}-save`, [])).stdout, [
        'mangle',
        'nat',
      ]);
      expect(
        saved
          .split('\n')
          .filter((l) => !/^:[A-Z]+ ACCEPT/.test(l))
          .join('\n'),
      ).toBe(printed.stdout);

      const second = await cli(ns, [...ARGS, '--apply', '--iptables', frontend], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toBe('');

      const changed = await cli(ns, [...ARGS, '--apply', '--iptables', frontend], {
        AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true',
      });
      expect(changed.stdout).toContain('-X AWS-CONNMARK-CHAIN-0');
    });
  },
);
