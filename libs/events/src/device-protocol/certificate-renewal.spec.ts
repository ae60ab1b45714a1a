import { createHash } from 'node:crypto';
import { RenewRequest, renewalProofMessage } from './certificate-renewal.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('certificate renewal (device ↔ gateway)', () => {
  it('signs exactly: version line, certificate digest, CSR digest, time', () => {
    const message = renewalProofMessage({ certificate: 'CERT', csr: 'CSR', signedAt: '2026-11-23T10:00:00.000Z' }, sha256Hex);
    expect(new TextDecoder().decode(message)).toBe(`keelson-renew-v1\n${sha256Hex('CERT')}\n${sha256Hex('CSR')}\n2026-11-23T10:00:00.000Z`);
  });

  it('refuses a request with unknown fields or a time that is not ISO', () => {
    const good = { certificate: 'c', csr: 'r', signedAt: '2026-11-23T10:00:00.000Z', signature: 'AA==' };
    expect(RenewRequest.safeParse(good).success).toBe(true);
    expect(RenewRequest.safeParse({ ...good, deviceId: 'd-1' }).success).toBe(false);
    expect(RenewRequest.safeParse({ ...good, signedAt: 'yesterday' }).success).toBe(false);
  });
});
