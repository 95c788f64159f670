/**
 * The logging the AWS adapters need, shaped like pino's methods (fields first, then the message)
 * so the daemon passes its pino logger straight in; tests pass nothing and stay quiet.
 */
export interface AwsLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentAwsLog: AwsLog = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});
