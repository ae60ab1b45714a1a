import { CurrentCertificates } from './current-certificates.js';

const cam = { fleet: 'plant-7', deviceId: 'd-1', fingerprint: 'ab'.repeat(32) };
const t0 = 1_000_000;

describe('CurrentCertificates', () => {
  it('keeps a gateway answer 30 s while the device events are not followed', () => {
    const known = new CurrentCertificates(30_000, 10);
    known.rememberAnswer(cam, known.mark('d-1'), t0);
    expect(known.recall('d-1', t0 + 30_000 - 1)).toEqual(expect.objectContaining(cam));
    expect(known.recall('d-1', t0 + 30_000)).toBeUndefined();
  });

  it('keeps an answer asked while followed until an event revokes it, and drops it when the feed is lost', () => {
    const known = new CurrentCertificates(30_000, 10);
    known.following();
    known.rememberAnswer(cam, known.mark('d-1'), t0);
    expect(known.recall('d-1', t0 + 86_400_000)).toEqual(expect.objectContaining(cam));
    known.forget('d-1');
    expect(known.recall('d-1', t0)).toBeUndefined();
    known.rememberAnswer(cam, known.mark('d-1'), t0);
    known.lost();
    expect(known.recall('d-1', t0)).toBeUndefined();
  });

  it('keeps an answer only 30 s when the feed was lost while the gateway answered, and none when the device was forgotten meanwhile', () => {
    const known = new CurrentCertificates(30_000, 10);
    known.following();
    const asked = known.mark('d-1');
    known.lost();
    known.following();
    known.rememberAnswer(cam, asked, t0);
    expect(known.recall('d-1', t0 + 30_000)).toBeUndefined();
    const again = known.mark('d-1');
    known.forget('d-1'); // re-enrolled while the question was on its way
    known.rememberAnswer(cam, again, t0);
    expect(known.recall('d-1', t0)).toBeUndefined();
  });

  it('learns an enrolled device only while following, and an answer asked before the enrollment does not replace it', () => {
    const known = new CurrentCertificates(30_000, 10);
    known.learn(cam);
    expect(known.recall('d-1', t0)).toBeUndefined();
    known.following();
    const asked = known.mark('d-1');
    known.learn(cam);
    known.rememberAnswer({ ...cam, fingerprint: 'cd'.repeat(32) }, asked, t0);
    expect(known.recall('d-1', t0 + 86_400_000)?.fingerprint).toBe(cam.fingerprint);
    known.lost();
    expect(known.recall('d-1', t0)).toBeUndefined();
  });

  it('learns and keeps nothing with a memory of 0 s (asks on every request), and never holds more than its capacity', () => {
    const none = new CurrentCertificates(0, 10);
    none.following();
    none.learn(cam);
    none.rememberAnswer(cam, none.mark('d-1'), t0);
    expect(none.size).toBe(0);
    const two = new CurrentCertificates(30_000, 2);
    two.following();
    for (const deviceId of ['d-1', 'd-2', 'd-3']) two.learn({ ...cam, deviceId });
    expect([two.size, two.recall('d-1', t0), two.recall('d-3', t0)?.deviceId]).toEqual([2, undefined, 'd-3']);
  });
});
