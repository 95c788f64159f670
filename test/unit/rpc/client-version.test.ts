import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observe/logger.ts';
import { IpamdMetrics } from '../../../src/observe/metrics.ts';
import { judgeClientVersion, parseVersion } from '../../../src/rpc/client-version.ts';
import { ClientVersionGate, MAX_VERSION_LABELS } from '../../../src/rpc/client-version-gate.ts';
import { GrpcFailure } from '../../../src/rpc/grpc-failure.ts';

describe('client version rule (ipamd v0.1.0)', () => {
  it.each([
    ['v0.1.0', undefined],
    ['0.1.0', undefined],
    [' v0.1.0\n', undefined],
    ['', 'empty'],
    ['  ', 'empty'],
    ['v1.23.1', 'v1.23.1'],
    ['1.9', 'v1.9.0'],
    ['v1.23.1-eksbuild.1', 'v1.23.1'],
    ['v1.12.0-11-gabc1234-dirty', 'v1.12.0'],
    ['v0.2.0', 'v0.2.0'],
    ['deadbee', 'unparseable'],
    ['unknown', 'unparseable'],
    ['v2', 'unparseable'],
    ['v2.0.0rc1', 'unparseable'],
    ['version 1.2.3', 'unparseable'],
  ])('serves %j (mismatch %s)', (client, mismatch) => {
    expect(judgeClientVersion(client, 'v0.1.0')).toEqual(
      mismatch === undefined ? { accepted: true } : { accepted: true, mismatch },
    );
  });

  it.each(['v2.0.0', '3.1.4', 'v10.0.0-rc.1'])('refuses %j, naming both versions', (client) => {
    const verdict = judgeClientVersion(client, 'v0.1.0');
    expect(verdict).toEqual({
      accepted: false,
      message: `wrong client version: the plugin sent ClientVersion ${JSON.stringify(client)} (major version ${parseVersion(client)!.major}), ipamd v0.1.0 serves plugins of v0.x and v1.x and plugins that send no version`,
    });
  });

  it('once our own version is on the reference line, only v1.x is served', () => {
    expect(judgeClientVersion('v0.9.0', 'v1.0.0')).toMatchObject({
      accepted: false,
      message: expect.stringContaining('ipamd v1.0.0 serves plugins of v1.x and plugins'),
    });
    expect(judgeClientVersion('v1.23.1', 'v1.0.0')).toEqual({
      accepted: true,
      mismatch: 'v1.23.1',
    });
  });
});

describe('ClientVersionGate', () => {
  async function counts(metrics: IpamdMetrics): Promise<Record<string, number>> {
    const values = (await metrics.clientVersionMismatches.get()).values;
    return Object.fromEntries(values.map((v) => [String(v.labels.client_version), v.value]));
  }

  it('counts served plugins of another version by a bounded label; ours is not counted', async () => {
    const metrics = new IpamdMetrics('v0.1.0');
    const gate = new ClientVersionGate('v0.1.0', silentLogger(), metrics);
    for (const version of ['v0.1.0', '', '', 'v1.23.1', 'v1.23.1-eksbuild.2', 'garbage']) {
      gate.check(version, 'AddNetwork');
    }
    expect(await counts(metrics)).toEqual({ empty: 2, 'v1.23.1': 2, unparseable: 1 });
  });

  it(`after ${MAX_VERSION_LABELS} versions, new ones count as "other" (empty and unparseable stay)`, async () => {
    const metrics = new IpamdMetrics('v0.1.0');
    const gate = new ClientVersionGate('v0.1.0', silentLogger(), metrics);
    for (let i = 0; i < MAX_VERSION_LABELS + 5; i++) gate.check(`v1.${i}.0`, 'DelNetwork');
    gate.check('v1.0.0', 'DelNetwork');
    gate.check('', 'DelNetwork');
    gate.check('??', 'DelNetwork');
    const seen = await counts(metrics);
    expect(Object.keys(seen)).toHaveLength(MAX_VERSION_LABELS + 3);
    expect(seen).toMatchObject({ other: 5, 'v1.0.0': 2, empty: 1, unparseable: 1 });
  });

  it('refuses with FAILED_PRECONDITION and counts nothing', async () => {
    const metrics = new IpamdMetrics('v0.1.0');
    const gate = new ClientVersionGate('v0.1.0', silentLogger(), metrics);
    let failure: unknown;
    try {
      gate.check('v2.1.0', 'AddNetwork');
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(GrpcFailure);
    expect(failure).toMatchObject({
      code: 9,
      message: expect.stringMatching(/^wrong client version: .*"v2\.1\.0".*ipamd v0\.1\.0/),
    });
    expect(await counts(metrics)).toEqual({});
  });
});
