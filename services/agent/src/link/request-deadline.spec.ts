import { setTimeout as sleep } from 'node:timers/promises';
import { isTransientFailure } from '../tuf/transient-failure.js';
import { requestDeadline } from './request-deadline.js';

describe('a request deadline', () => {
  it('aborts at its deadline as AbortSignal.timeout does: a TimeoutError, final, not worth trying again', async () => {
    const deadline = requestDeadline(20);
    expect(deadline.signal.aborted).toBe(false);
    await sleep(80);
    expect(deadline.signal.aborted).toBe(true);
    const reason = deadline.signal.reason as DOMException;
    expect(reason).toBeInstanceOf(DOMException);
    expect(reason.name).toBe('TimeoutError');
    expect(isTransientFailure(reason)).toBe(false);
  });

  it('never aborts once cleared', async () => {
    const deadline = requestDeadline(20);
    deadline.clear();
    await sleep(80);
    expect(deadline.signal.aborted).toBe(false);
  });
});
