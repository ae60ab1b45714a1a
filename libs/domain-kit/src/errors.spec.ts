import { ConcurrencyError, InvalidInput, NotFound, RuleViolation, isDomainError } from './errors.js';

describe('domain errors', () => {
  it('carry a stable code, their class name and the cause', () => {
    const cause = new Error('wire');
    const err = new ConcurrencyError('ev.rollout.f.r1', 4, { cause });
    expect(err.code).toBe('concurrency.conflict');
    expect(err.name).toBe('ConcurrencyError');
    expect(err.cause).toBe(cause);
    expect(isDomainError(err)).toBe(true);
    expect(isDomainError(new Error('x'))).toBe(false);
  });

  it('name what was not found', () => {
    const err = new NotFound('rollout', 'r-9');
    expect(err.code).toBe('rollout.not-found');
    expect(err.message).toContain("'r-9'");
  });

  it('lists every input issue in the message, capped at five', () => {
    const issues = Array.from({ length: 7 }, (_, i) => ({ path: ['data', i], message: 'bad' }));
    const err = new InvalidInput('event.invalid', issues);
    expect(err.issues).toHaveLength(7);
    expect(err.message).toContain('data.0: bad');
    expect(err.message).toContain('(and 2 more)');
  });

  it('default a rule violation message to its code', () => {
    expect(new RuleViolation('rollout.already-started').message).toBe('rollout.already-started');
  });
});
