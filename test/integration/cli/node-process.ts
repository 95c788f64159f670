import { execFile } from 'node:child_process';

/** How a child process ended: its exit code and everything it printed. */
export interface NodeRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node script …args` with nothing in the environment but PATH and `env`, and resolves
 * however it exits (a non-zero exit is an outcome to assert on, not an error).
 */
export function runNode(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<NodeRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
