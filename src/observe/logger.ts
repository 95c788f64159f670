import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The daemon's JSON logger. AWS_VPC_K8S_CNI_LOG_FILE selects 'stdout', 'stderr' or a file path
 * (its directory is created), AWS_VPC_K8S_CNI_LOGLEVEL the level. Lines carry `level` as a word
 * and an ISO `ts`, like the reference's zap output, so existing log queries keep matching.
 */
export function createLogger(options: { level: string; file: string; sync?: boolean }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destinationFor(options.file, options.sync ?? false),
  );
}

function destinationFor(file: string, sync: boolean): pino.DestinationStream {
  if (file === 'stdout') return pino.destination({ fd: 1, sync });
  if (file === 'stderr') return pino.destination({ fd: 2, sync });
  mkdirSync(dirname(file), { recursive: true });
  return pino.destination({ dest: file, sync, mkdir: true });
}

/** A logger that drops everything, for unit tests and one-shot commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
