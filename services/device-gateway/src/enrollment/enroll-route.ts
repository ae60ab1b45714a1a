import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { InvalidInput } from '@keelson/domain-kit';
import type { DeviceEnrollment } from './enroll-device.js';
import { correlationIdOf, enrollmentFailureOf, unexpectedFailureLine } from './enrollment-failure.js';

/** As express's JSON parser: a larger body is refused (413) before it is read whole. */
export const enrollBodyMaxBytes = 100 * 1024;

const jsonType = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * True for the requests this route answers: `POST /v1/enroll` (query ignored) with a plain UTF-8
 * JSON body. Anything else (another method, path, content type, charset or a content encoding) is
 * left to the Nest app, which answers it as before (the controller, or a 404).
 */
export function isEnrollRequest(req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): boolean {
  if (req.method !== 'POST' || !req.url?.startsWith('/v1/enroll')) return false;
  const path = req.url.split('?', 1)[0];
  if (path !== '/v1/enroll') return false;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  return jsonType.test(req.headers['content-type'] ?? '');
}

/** The body as JSON, or why not; `null` once it passed the limit (the answer is then 413). */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= enrollBodyMaxBytes) chunks.push(chunk); // beyond it the rest is read and dropped
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > enrollBodyMaxBytes) return resolve(tooLarge);
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch {
        reject(new InvalidInput('enroll.invalid', [{ path: [], message: 'the body must be a JSON object' }]));
      }
    });
  });
}

const tooLarge = Symbol('too large');

/**
 * Every answer closes its connection (`Connection: close`). A device enrolls once and has nothing
 * more to ask this server, yet an HTTP client keeps the connection for its next request (the agent
 * 4 s, Node's server 5 s): each idle TLS connection held ~90 KiB of OpenSSL's and Node's buffers in
 * glibc's main arena, and at 10,000 devices enrolling ~240 of them were open at once; the arena kept
 * what they took after they closed (bench/README.md, "The gateway's enrollment peak").
 */
function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.shouldKeepAlive = false;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * `POST /v1/enroll` answered straight on the gateway's HTTP(S) server: the 2,000-device burst's
 * profile put 5 % of the gateway's busy time in express's and Nest's own per-request work (router,
 * body parsers, execution context, the reply) around one JSON body in and one out. The
 * enrollment itself (DeviceEnrollment) and its answers are the controller's, byte for byte.
 */
export class EnrollRequestHandler {
  private readonly logger = new Logger('enroll');

  constructor(private readonly enrollment: DeviceEnrollment) {}

  /** Takes the request if it is a JSON enrollment (true); anything else is left to the app (false). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (!isEnrollRequest(req)) return false;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > enrollBodyMaxBytes) {
      send(res, 413, { error: { code: 'enroll.too-large', message: `the body must be at most ${enrollBodyMaxBytes} bytes` } });
      req.resume();
      return true;
    }
    this.serve(req, res).catch((err: unknown) => this.fail(res, err));
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === tooLarge)
      return send(res, 413, { error: { code: 'enroll.too-large', message: `the body must be at most ${enrollBodyMaxBytes} bytes` } });
    const enrolled = await this.enrollment.enroll(body, correlationIdOf(req.headers['keelson-correlation-id']));
    send(res, 201, enrolled);
  }

  private fail(res: ServerResponse, err: unknown): void {
    const { status, body } = enrollmentFailureOf(err);
    if (status === 500) this.logger.error(unexpectedFailureLine(err));
    if (res.headersSent) return void res.destroy();
    send(res, status, body);
  }
}
