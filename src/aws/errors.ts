/**
 * Kinds of EC2 failure the daemon reacts to differently (docs/architecture.md, "Bad input and faults"):
 * throttling backs off, insufficient capacity starts the 120 s pause (the reference's
 * `lastInsufficientCidrError`), an
 * IP-limit error means the datastore is out of sync with EC2, not-found is often "already done",
 * unauthorized raises the MissingIAMPermissions event, a timeout may have succeeded server-side.
 */

export type Ec2ErrorKind =
  | 'throttled'
  | 'insufficientCapacity'
  | 'limitExceeded'
  | 'notFound'
  | 'unauthorized'
  | 'timeout'
  | 'other';

export const EC2_ERROR_KINDS: readonly Ec2ErrorKind[] = [
  'throttled',
  'insufficientCapacity',
  'limitExceeded',
  'notFound',
  'unauthorized',
  'timeout',
  'other',
];

// Codes the AWS SDKs treat as throttling, plus EC2's own. EC2 itself answers RequestLimitExceeded.
const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

const INSUFFICIENT_CAPACITY_CODES = new Set([
  'InsufficientFreeAddressesInSubnet',
  'InsufficientCidrBlocks',
]);

const LIMIT_EXCEEDED_CODES = new Set(['PrivateIpAddressLimitExceeded']);

const UNAUTHORIZED_CODES = new Set([
  'UnauthorizedOperation',
  'AuthFailure',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'OptInRequired',
  'Blocked',
]);

const TIMEOUT_CODES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'AbortError',
]);

/** The classification of one failure: its kind, EC2's error code (or the transport's), message. */
export interface Ec2ErrorInfo {
  readonly kind: Ec2ErrorKind;
  /** EC2's error code (e.g. 'InvalidNetworkInterfaceID.NotFound'), a Node error code, or 'Unknown'. */
  readonly code: string;
  readonly message: string;
  readonly httpStatus: number | undefined;
}

function field(err: object, name: string): unknown {
  return (err as Record<string, unknown>)[name];
}

function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'Unknown';
  // SDK service exceptions carry the code as `name` (and sometimes `Code`); Node network errors
  // carry it as `code`. A plain Error's name 'Error' says nothing, so it comes last.
  for (const key of ['Code', 'code']) {
    const value = field(err, key);
    if (typeof value === 'string' && value !== '') return value;
  }
  const name = field(err, 'name');
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  return 'Unknown';
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const metadata = field(err, '$metadata');
  if (typeof metadata === 'object' && metadata !== null) {
    const status = field(metadata, 'httpStatusCode');
    if (typeof status === 'number') return status;
  }
  return undefined;
}

export function kindOfCode(code: string, httpStatus?: number): Ec2ErrorKind {
  if (THROTTLING_CODES.has(code)) return 'throttled';
  if (INSUFFICIENT_CAPACITY_CODES.has(code)) return 'insufficientCapacity';
  if (LIMIT_EXCEEDED_CODES.has(code)) return 'limitExceeded';
  // EC2 spells every missing resource '<Thing>.NotFound' (InvalidNetworkInterfaceID.NotFound,
  // InvalidAttachmentID.NotFound, InvalidInstanceID.NotFound, InvalidSubnetID.NotFound, …).
  if (code.endsWith('.NotFound') || code === 'NotFound') return 'notFound';
  if (UNAUTHORIZED_CODES.has(code)) return 'unauthorized';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (httpStatus === 429) return 'throttled';
  if (httpStatus === 401 || httpStatus === 403) return 'unauthorized';
  return 'other';
}

/** Classifies anything an SDK call can throw. */
export function classifyEc2Error(err: unknown): Ec2ErrorInfo {
  if (err instanceof Ec2Error) {
    return { kind: err.kind, code: err.code, message: err.message, httpStatus: err.httpStatus };
  }
  const code = errorCode(err);
  const httpStatus = httpStatusOf(err);
  const message =
    err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  return { kind: kindOfCode(code, httpStatus), code, message, httpStatus };
}

/** The only error type the EC2 adapter throws: the action that failed plus its classification. */
export class Ec2Error extends Error {
  readonly action: string;
  readonly kind: Ec2ErrorKind;
  readonly code: string;
  readonly httpStatus: number | undefined;
  /**
   * ENI IDs EC2's message quotes: for a not-found error, the ones it does not know (EC2 fails a
   * whole DescribeNetworkInterfaces for one unknown ID and names it only in the message).
   */
  readonly eniIds: readonly string[];

  constructor(action: string, info: Ec2ErrorInfo, cause?: unknown) {
    super(`${action}: ${info.code}: ${info.message}`, cause === undefined ? undefined : { cause });
    this.name = 'Ec2Error';
    this.action = action;
    this.kind = info.kind;
    this.code = info.code;
    this.httpStatus = info.httpStatus;
    this.eniIds = [...new Set(info.message.match(/\beni-(?!attach-)[0-9a-zA-Z]+\b/g) ?? [])];
  }
}

/** Wraps `err` as an Ec2Error for `action` (an Ec2Error passes through unchanged). */
export function toEc2Error(action: string, err: unknown): Ec2Error {
  if (err instanceof Ec2Error) return err;
  return new Ec2Error(action, classifyEc2Error(err), err);
}

/** True when `err` is an Ec2Error (of `kind`, when given). */
export function isEc2Error(err: unknown, kind?: Ec2ErrorKind): err is Ec2Error {
  return err instanceof Ec2Error && (kind === undefined || err.kind === kind);
}
