import { createHmac } from 'node:crypto';
import { retryDelayMs } from './sink-delivery.js';
import { checkDelivery, signDelivery } from './sink-signature.js';

const secret = 'shared-with-the-siem-0123456789';
const body = '{"specversion":"1.0","id":"EV_ROLLOUTS:7"}';

describe('a delivery signature', () => {
  it('is HMAC-SHA256 over "<timestamp>.<body>", as a receiver recomputes it with any HMAC library', () => {
    const mac = createHmac('sha256', secret).update(`1800000000.${body}`).digest('hex');
    expect(signDelivery(secret, 1_800_000_000, body)).toBe(`t=1800000000,v1=${mac}`);
  });

  it('checks out with the same secret, body and a fresh timestamp', () => {
    expect(checkDelivery(secret, signDelivery(secret, 1_800_000_000, body), body, 1_800_000_100)).toBeUndefined();
  });

  describe('when something differs', () => {
    const header = signDelivery(secret, 1_800_000_000, body);
    it('refuses another secret or a changed body', () => {
      expect(checkDelivery('another-secret-0123456789', header, body, 1_800_000_000)).toBe('mismatch');
      expect(checkDelivery(secret, header, body.replace('7', '8'), 1_800_000_000)).toBe('mismatch');
    });

    it('refuses a body replayed with its old header after the tolerance', () => {
      expect(checkDelivery(secret, header, body, 1_800_000_301)).toBe('stale');
    });

    it('refuses a missing or malformed header', () => {
      expect(checkDelivery(secret, undefined, body, 1_800_000_000)).toBe('malformed');
      expect(checkDelivery(secret, header.replace('v1=', 'v2='), body, 1_800_000_000)).toBe('malformed');
    });
  });
});

describe('the wait between attempts', () => {
  it('doubles from the base after each failure and stops at the cap', () => {
    const options = { retryBaseMs: 1000, retryMaxMs: 300_000 };
    expect([1, 2, 3, 4, 9, 10, 60].map((n) => retryDelayMs(n, options))).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
  });
});
