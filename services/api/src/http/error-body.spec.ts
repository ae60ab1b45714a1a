import { BadRequestException, NotFoundException, PayloadTooLargeException, ServiceUnavailableException } from '@nestjs/common';
import { JetStreamApiError } from '@nats-io/jetstream';
import { TimeoutError } from '@nats-io/transport-node';
import { ConcurrencyError, InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import { ServiceError } from '@keelson/service-kit';
import { ErrorBody, toErrorResponse } from './error-body.js';

describe('toErrorResponse', () => {
  it.each([
    [new InvalidInput('body.invalid', [{ path: ['mode'], message: 'bad' }]), 400, 'InvalidInput'],
    [new ServiceError('Unauthorized', 'auth.unauthenticated', 'no'), 401, 'Unauthorized'],
    [new ServiceError('Forbidden', 'auth.wrong-fleet', 'not here'), 403, 'Forbidden'],
    [new NotFound('rollout', 'r-1'), 404, 'NotFound'],
    [new RuleViolation('group.name-taken', 'taken'), 409, 'RuleViolation'],
    [new ConcurrencyError('ev.rollout.default.r-1', 3), 409, 'ConcurrencyError'],
    [new ServiceError('Internal', 'registry.internal', 'broke'), 500, 'Internal'],
    [new ServiceError('Unavailable', 'audit.unavailable', 'down'), 503, 'Unavailable'],
    [new TimeoutError(), 503, 'Unavailable'],
    [new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream system temporarily unavailable' }), 503, 'Unavailable'],
    [new ServiceUnavailableException(), 503, 'Unavailable'],
  ])('maps %p to %i with kind %s', (err, status, kind) => {
    const res = toErrorResponse(err);
    expect(res.status).toBe(status);
    expect(res.body.error.kind).toBe(kind);
    expect(ErrorBody.safeParse(res.body).success).toBe(true);
  });

  it('keeps the issues of invalid input', () => {
    expect(
      toErrorResponse(new InvalidInput('query.invalid', [{ path: ['fleet'], message: 'must be a subject token' }])).body.error.issues,
    ).toEqual([{ path: ['fleet'], message: 'must be a subject token' }]);
  });

  it("puts Nest's own refusals in the same shape", () => {
    expect(toErrorResponse(new NotFoundException())).toMatchObject({ status: 404, body: { error: { code: 'route.not-found' } } });
    expect(toErrorResponse(new BadRequestException())).toMatchObject({ status: 400, body: { error: { code: 'request.malformed' } } });
    expect(toErrorResponse(new PayloadTooLargeException())).toMatchObject({ status: 413, body: { error: { code: 'request.too-large' } } });
  });

  it('hides the message of anything unexpected', () => {
    const res = toErrorResponse(new Error('password=hunter2 at db.ts:12'));
    expect(res).toMatchObject({ status: 500, body: { error: { kind: 'Internal', code: 'internal' } } });
    expect(JSON.stringify(res)).not.toContain('hunter2');
  });
});
