/**
 * The logging surface host code needs; a pino logger satisfies it, tests pass a recorder.
 */
export interface HostLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentHostLog: HostLog = {
  info() {},
  warn() {},
  error() {},
};
