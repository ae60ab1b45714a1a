import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDomainError } from '@keelson/domain-kit';
import { ArtifactKind, ArtifactManifest } from '@keelson/events';
import type { FakeRegistry } from './fake-registry.js';

/** One upload as the stand-in saw it on the wire. */
export interface SeenUpload {
  headers: IncomingHttpHeaders;
  bodySha256: string;
  bodyLength: number;
}

interface Part {
  name: string;
  filename?: string;
  content: Buffer;
}

// Enough of RFC 7578 for the forms the api and CLI send; the real facade uses busboy.
function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1 && body.subarray(at + delimiter.length, at + delimiter.length + 2).toString() !== '--') {
    const headerEnd = body.indexOf('\r\n\r\n', at);
    const headers = body.subarray(at + delimiter.length + 2, headerEnd).toString();
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd);
    parts.push({
      name: /name="([^"]*)"/.exec(headers)?.[1] ?? '',
      filename: /filename="([^"]*)"/.exec(headers)?.[1],
      content: body.subarray(headerEnd + 4, next),
    });
    at = next + 2;
  }
  return parts;
}

const sendJson = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const refuse = (res: ServerResponse, status: number, kind: string, code: string, message: string) =>
  sendJson(res, status, { error: { kind, code, message } });

/**
 * A real HTTP server in place of the facade's internal upload route: checks the internal token,
 * hashes the body as it arrives and tells waiters how many bytes came in so far (which proves the
 * api passes the stream on instead of buffering it), then registers the artifact it read.
 */
export class FacadeStandIn {
  readonly uploads: SeenUpload[] = [];
  private server: Server | undefined;
  private received = 0;
  private waiters: { bytes: number; resolve: () => void }[] = [];

  constructor(
    private readonly internalToken: string,
    private readonly registry: FakeRegistry,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const match = /^\/internal\/v1\/fleets\/([a-z0-9-]+)\/artifacts$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) return refuse(res, 404, 'NotFound', 'route.not-found', 'no such route');
      if (req.headers.authorization !== `Bearer ${this.internalToken}`)
        return refuse(res, 401, 'Unauthorized', 'internal.unauthenticated', 'bad internal token');
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        chunks.push(chunk);
        this.received += chunk.length;
        this.waiters = this.waiters.filter((w) => (this.received >= w.bytes ? (w.resolve(), false) : true));
      });
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.uploads.push({ headers: req.headers, bodySha256: hash.digest('hex'), bodyLength: body.length });
        this.register(match[1]!, body, req.headers['content-type'] ?? '', res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once this many body bytes (over all uploads) have arrived. */
  bytesReceived(bytes: number): Promise<void> {
    if (this.received >= bytes) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  get totalReceived(): number {
    return this.received;
  }

  private register(fleet: string, body: Buffer, contentType: string, res: ServerResponse): void {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    const parts = parseMultipart(body, boundary?.[1] ?? boundary?.[2] ?? '');
    const field = (name: string) => parts.find((p) => p.name === name && p.filename === undefined)?.content.toString();
    const file = parts.find((p) => p.name === 'file' && p.filename !== undefined);
    const kind = ArtifactKind.safeParse(field('kind'));
    let manifest;
    try {
      // As the facade: a config may come without a manifest field.
      const text = field('manifest') ?? (kind.data === 'config' ? '{"kind":"config"}' : '');
      manifest = ArtifactManifest.safeParse(JSON.parse(text));
    } catch {
      manifest = undefined;
    }
    if (!file || !kind.success || !manifest?.success) {
      refuse(res, 400, 'InvalidInput', 'upload.invalid', 'the form needs name, version, kind, a valid manifest and a file');
      return;
    }
    try {
      const view = this.registry.receive({
        fleet,
        name: field('name') ?? '',
        version: field('version') ?? '',
        kind: kind.data,
        manifest: manifest.data,
        fileName: file.filename!,
        sha256: createHash('sha256').update(file.content).digest('hex'),
        length: file.content.length,
      });
      sendJson(res, 201, view);
    } catch (err) {
      if (isDomainError(err)) {
        refuse(res, 409, 'RuleViolation', err.code, err.message);
        return;
      }
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
