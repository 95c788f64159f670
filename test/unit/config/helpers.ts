import { expect } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { ConfigError, type Environment, type LoadedConfig } from '../../../src/config/types.ts';

/** The fatal problems of an environment (fails the test when it loads). */
export function problemsOf(env: Environment): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ConfigError for ${JSON.stringify(env)}`);
}

/** Asserts exactly one warning, naming the variable and the value in its data and its message. */
export function expectOneWarning(loaded: LoadedConfig, variable: string, value: string): void {
  expect(loaded.warnings).toHaveLength(1);
  const [warning] = loaded.warnings;
  expect(warning!.variable).toBe(variable);
  expect(warning!.value).toBe(value);
  expect(warning!.message).toContain(`${variable}=${JSON.stringify(value)}`);
}
