/**
 * EC2 API errors as the simulator raises them: EC2's error code, a message in EC2's wording and
 * the HTTP status EC2 answers with. Handlers throw these; the server turns them into EC2's error
 * envelope.
 */
export class Ec2Error extends Error {
  readonly code: string;
  readonly httpStatus: number;

  constructor(code: string, message: string, httpStatus = defaultHttpStatus(code)) {
    super(message);
    this.name = 'Ec2Error';
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

/** The HTTP status EC2 uses for an error code (client errors are 400 unless listed here). */
export function defaultHttpStatus(code: string): number {
  switch (code) {
    case 'RequestLimitExceeded':
    case 'Unavailable':
    case 'ServiceUnavailable':
      return 503;
    case 'InternalError':
    case 'InternalFailure':
      return 500;
    case 'UnauthorizedOperation':
    case 'AuthFailure':
      return 403;
    case 'DryRunOperation':
      return 412;
    default:
      return 400;
  }
}

/** EC2's wording for codes a fault may inject without a message of its own. */
export function defaultMessage(code: string, action: string): string {
  switch (code) {
    case 'RequestLimitExceeded':
      return 'Request limit exceeded.';
    case 'InsufficientCidrBlocks':
      return 'The specified subnet does not have enough free cidr blocks to satisfy the request.';
    case 'InsufficientFreeAddressesInSubnet':
      return 'The specified subnet does not have enough free addresses to satisfy the request.';
    case 'InternalError':
      return 'An internal error has occurred';
    case 'Unavailable':
      return 'The service is unavailable. Please try again shortly.';
    case 'UnauthorizedOperation':
      return `You are not authorized to perform this operation. User is not authorized to perform: ec2:${action}`;
    default:
      return `The request ${action} failed with ${code}.`;
  }
}

/** Resource kinds with their ID prefix and the words EC2 uses in NotFound messages. */
export type ResourceKind =
  | 'networkInterface'
  | 'instance'
  | 'subnet'
  | 'attachment'
  | 'securityGroup'
  | 'vpc';

const KINDS: Readonly<Record<ResourceKind, { prefix: string; code: string; noun: string }>> = {
  networkInterface: {
    prefix: 'eni-',
    code: 'InvalidNetworkInterfaceID',
    noun: 'networkInterface ID',
  },
  instance: { prefix: 'i-', code: 'InvalidInstanceID', noun: 'instance ID' },
  subnet: { prefix: 'subnet-', code: 'InvalidSubnetID', noun: 'subnet ID' },
  attachment: { prefix: 'eni-attach-', code: 'InvalidAttachmentID', noun: 'attachment ID' },
  securityGroup: { prefix: 'sg-', code: 'InvalidGroup', noun: 'security group' },
  vpc: { prefix: 'vpc-', code: 'InvalidVpcID', noun: 'vpc ID' },
};

/**
 * `<Kind>.NotFound` with the ID quoted as EC2 quotes it, e.g. "The networkInterface ID
 * 'eni-0123…' does not exist" (the reference daemon parses the ID out of this message).
 */
export function notFound(kind: ResourceKind, id: string): Ec2Error {
  const k = KINDS[kind];
  return new Ec2Error(`${k.code}.NotFound`, `The ${k.noun} '${id}' does not exist`);
}

/**
 * `<Kind>.Malformed` for an ID of the wrong kind. Only the prefix is checked: an ID with the
 * right prefix that does not exist is NotFound, which is what callers (and moto) expect.
 */
export function checkIdFormat(kind: ResourceKind, id: string): void {
  const k = KINDS[kind];
  if (!id.startsWith(k.prefix) || id.length === k.prefix.length) {
    const code = kind === 'securityGroup' ? 'InvalidGroupId.Malformed' : `${k.code}.Malformed`;
    throw new Ec2Error(code, `Invalid id: "${id}" (expecting "${k.prefix}...")`);
  }
}

export function missingParameter(name: string): Ec2Error {
  return new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
}

export function invalidParameterValue(message: string): Ec2Error {
  return new Ec2Error('InvalidParameterValue', message);
}

export function invalidParameterCombination(message: string): Ec2Error {
  return new Ec2Error('InvalidParameterCombination', message);
}
