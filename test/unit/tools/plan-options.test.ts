import { describe, expect, it } from 'vitest';
import { parsePlanArgs } from '../../../src/tools/plan/plan-options.ts';

function options(args: string[], env: Record<string, string> = {}) {
  const parsed = parsePlanArgs(args, env);
  if (!parsed.ok || 'help' in parsed) throw new Error(`unexpected: ${JSON.stringify(parsed)}`);
  return parsed.options;
}

function error(args: string[], env: Record<string, string> = {}): string {
  const parsed = parsePlanArgs(args, env);
  if (parsed.ok) throw new Error('expected an error');
  return parsed.error;
}

describe('parsePlanArgs', () => {
  it('maps flags to the daemon variables and lets them override the environment', () => {
    const o = options(
      [
        '--instance-type',
        'm5.large',
        '--pods=12',
        '--warm-ip-target',
        '3',
        '--minimum-ip-target',
        '7',
        '--warm-eni-target',
        '0',
        '--warm-prefix-target',
        '2',
        '--max-eni',
        '2',
        '--prefix-delegation',
        '--mode',
        'interval',
        '--max-pods',
        '58',
        '--json',
      ],
      { WARM_IP_TARGET: '9', MAX_ENI: '3', IP_COOLDOWN_PERIOD: '10' },
    );
    expect(o).toEqual({
      instanceType: 'm5.large',
      pods: 12,
      env: {
        WARM_IP_TARGET: '3',
        MINIMUM_IP_TARGET: '7',
        WARM_ENI_TARGET: '0',
        WARM_PREFIX_TARGET: '2',
        MAX_ENI: '2',
        ENABLE_PREFIX_DELEGATION: 'true',
        WARM_POOL_MODE: 'interval',
        IP_COOLDOWN_PERIOD: '10',
      },
      maxPods: 58,
      json: true,
      verbose: false,
    });
  });

  it('takes only the pool variables from the environment', () => {
    const o = options(['--instance-type', 't3.small'], {
      WARM_ENI_TARGET: '2',
      ENABLE_PREFIX_DELEGATION: 'true',
      AWS_EC2_ENDPOINT: 'https://ec2.example',
      AWS_VPC_K8S_CNI_LOG_FILE: '/var/log/x.log',
    });
    expect(o.env).toEqual({ WARM_ENI_TARGET: '2', ENABLE_PREFIX_DELEGATION: 'true' });
    expect(o.pods).toBe(0);
    expect(o.maxPods).toBeUndefined();
  });

  it('--no-prefix-delegation turns off what the environment turned on', () => {
    const o = options(['--instance-type', 'm5.large', '--no-prefix-delegation'], {
      ENABLE_PREFIX_DELEGATION: 'true',
    });
    expect(o.env.ENABLE_PREFIX_DELEGATION).toBe('false');
  });

  it('rejects what it cannot plan, naming the flag', () => {
    expect(error([])).toBe('--instance-type is required (e.g. --instance-type m5.large)');
    expect(error(['--instance-type', 'x9.huge'])).toBe("unknown instance type 'x9.huge'");
    expect(error(['--instance-type', 'm5.large', '--pods', '1.5'])).toBe(
      "--pods must be a whole number from 0 to 20000, got '1.5'",
    );
    expect(error(['--instance-type', 'm5.large', '--pods', '20001'])).toBe(
      "--pods must be a whole number from 0 to 20000, got '20001'",
    );
    expect(error(['--instance-type', 'm5.large', '--max-eni', '0'])).toBe(
      "--max-eni must be a whole number from 1 to 1000000, got '0'",
    );
    expect(error(['--instance-type', 'm5.large', '--warm-ip-target', '-1'])).toBe(
      "--warm-ip-target must be a whole number from 0 to 1000000, got '-1'",
    );
    expect(error(['--instance-type', 'm5.large', '--max-pods', '0x10'])).toBe(
      "--max-pods must be a whole number from 1 to 1000000, got '0x10'",
    );
    expect(error(['--instance-type', 'm5.large', '--mode', 'fast'])).toBe(
      "--mode must be reactive or interval, got 'fast'",
    );
    expect(error(['--instance-type', 'm5.large', '--warm-eni'])).toBe('unknown option --warm-eni');
    expect(error(['--instance-type', 'm5.large', 'extra'])).toBe("unexpected argument 'extra'");
    expect(
      error(['--instance-type', 'm5.large', '--prefix-delegation', '--no-prefix-delegation']),
    ).toBe('--prefix-delegation and --no-prefix-delegation contradict each other');
  });

  it('--help wins over everything else', () => {
    expect(parsePlanArgs(['--help', '--pods', 'x'], {})).toEqual({ ok: true, help: true });
  });
});
