import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { isTransientFailure } from './transient-failure.js';

const failure = (code: string, message = code) => Object.assign(new Error(message), { code });

// The 10,000-device run's failure was `connect ETIMEDOUT` (SYNs dropped by a full listen backlog):
// that, like a reset or refused connection, is tried again; a refusal or a TLS failure is not.
describe('isTransientFailure', () => {
  it('tries again a connect that timed out, also wrapped by fetch as its cause', () => {
    expect(isTransientFailure(failure('ETIMEDOUT', 'connect ETIMEDOUT 127.0.0.1:41837'))).toBe(true);
    expect(isTransientFailure(new TypeError('fetch failed', { cause: failure('ETIMEDOUT') }))).toBe(true);
  });

  it('tries again a 5xx answer, not a 4xx one', () => {
    expect(isTransientFailure(new DownloadHTTPError('answered 503', 503))).toBe(true);
    expect(isTransientFailure(new DownloadHTTPError('answered 404', 404))).toBe(false);
  });

  it('does not try again a TLS verification failure, an overlong body or a request that timed out as a whole', () => {
    expect(isTransientFailure(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe(false);
    expect(isTransientFailure(new DownloadLengthMismatchError('more than expected'))).toBe(false);
    expect(isTransientFailure(new DOMException('timed out', 'TimeoutError'))).toBe(false);
    expect(isTransientFailure('ECONNRESET')).toBe(false);
  });
});
