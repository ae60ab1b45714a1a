import { request } from 'node:https';

/** One device's `POST <gateway>/v1/enroll`: status, milliseconds from send to the whole answer, body. */
export interface EnrollAnswer {
  status: number;
  ms: number;
  body: string;
}

/**
 * Posts one enrollment as a device does: its own fresh TLS connection (a device has no connection to
 * share), trusting the platform CA alone. `https.request` because fetch takes no per-request CA.
 */
export function postEnrollment(gatewayUrl: string, ca: string, body: unknown): Promise<EnrollAnswer> {
  const payload = JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${gatewayUrl}/v1/enroll`,
      {
        method: 'POST',
        ca,
        agent: false,
        signal: AbortSignal.timeout(60_000),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
