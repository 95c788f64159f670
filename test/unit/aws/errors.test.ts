import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { classifyEc2Error, Ec2Error, isEc2Error, toEc2Error } from '../../../src/aws/errors.ts';
import { ec2Error } from './ec2-mock-helpers.ts';

describe('classifyEc2Error', () => {
  it.each([
    ['RequestLimitExceeded', 'throttled'],
    ['Throttling', 'throttled'],
    ['ThrottlingException', 'throttled'],
    ['InsufficientFreeAddressesInSubnet', 'insufficientCapacity'],
    ['InsufficientCidrBlocks', 'insufficientCapacity'],
    ['PrivateIpAddressLimitExceeded', 'limitExceeded'],
    ['InvalidNetworkInterfaceID.NotFound', 'notFound'],
    ['InvalidAttachmentID.NotFound', 'notFound'],
    ['InvalidInstanceID.NotFound', 'notFound'],
    ['InvalidSubnetID.NotFound', 'notFound'],
    ['UnauthorizedOperation', 'unauthorized'],
    ['AuthFailure', 'unauthorized'],
    ['AccessDenied', 'unauthorized'],
    ['InvalidNetworkInterface.InUse', 'other'],
    ['InvalidParameterValue', 'other'],
    ['AttachmentLimitExceeded', 'other'],
  ])('EC2 code %s is %s', (code, kind) => {
    const info = classifyEc2Error(ec2Error(code, 'msg'));
    expect(info).toEqual({ kind, code, message: 'msg', httpStatus: 400 });
  });

  it('classifies by HTTP status when the code says nothing', () => {
    const tooMany = new EC2ServiceException({
      name: 'SomethingNew',
      $fault: 'client',
      $metadata: { httpStatusCode: 429 },
    });
    expect(classifyEc2Error(tooMany).kind).toBe('throttled');
    const forbidden = new EC2ServiceException({
      name: 'SomethingNew',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    expect(classifyEc2Error(forbidden).kind).toBe('unauthorized');
  });

  it('classifies transport failures: timeouts are timeouts, a refused connection is other', () => {
    const timeout = Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });
    expect(classifyEc2Error(timeout)).toMatchObject({ kind: 'timeout', code: 'TimeoutError' });
    const etimedout = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
    expect(classifyEc2Error(etimedout)).toMatchObject({ kind: 'timeout', code: 'ETIMEDOUT' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyEc2Error(refused)).toMatchObject({ kind: 'other', code: 'ECONNREFUSED' });
  });

  it('copes with non-errors', () => {
    expect(classifyEc2Error('boom')).toMatchObject({
      kind: 'other',
      code: 'Unknown',
      message: 'boom',
    });
    expect(classifyEc2Error(undefined)).toMatchObject({ kind: 'other', code: 'Unknown' });
    expect(classifyEc2Error(new Error('plain'))).toMatchObject({ kind: 'other', code: 'Unknown' });
  });
});

describe('Ec2Error', () => {
  it('wraps once, keeps the cause, and answers kind checks', () => {
    const cause = ec2Error('InsufficientCidrBlocks', 'no /28 left');
    const error = toEc2Error('AssignPrivateIpAddresses', cause);
    expect(error).toBeInstanceOf(Ec2Error);
    expect(error.message).toBe('AssignPrivateIpAddresses: InsufficientCidrBlocks: no /28 left');
    expect(error.cause).toBe(cause);
    expect(toEc2Error('Other', error)).toBe(error);
    expect(isEc2Error(error, 'insufficientCapacity')).toBe(true);
    expect(isEc2Error(error, 'throttled')).toBe(false);
    expect(isEc2Error(cause)).toBe(false);
  });
});
