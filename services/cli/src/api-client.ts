import { defaultRetry, isRepeatable, withRetries, type RetryPolicy } from './api-retry.js';
import { CliError } from './cli-io.js';

interface ErrorShape {
  error?: { code?: string; message?: string; issues?: { path: (string | number)[]; message: string }[] };
}

function describeFailure(status: number, body: unknown): string {
  const error = (body as ErrorShape | undefined)?.error;
  if (!error?.message) return `the API answered ${status}`;
  const issues = (error.issues ?? []).map((i) => `\n  ${i.path.join('.') || '(body)'}: ${i.message}`).join('');
  return `${error.message}${issues}`;
}

/**
 * A thin client of the operator API: bearer token, `?fleet=`, JSON in and out, errors as CliError.
 * A read the api could not answer for a moment (503, a reset connection) is sent again (`api-retry.ts`).
 */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly fleet: string,
    private readonly retry: RetryPolicy = defaultRetry,
  ) {}

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams({ fleet: this.fleet });
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    return `${this.baseUrl.replace(/\/+$/, '')}${path}?${params}`;
  }

  async send(method: string, path: string, options: { body?: unknown; query?: Record<string, string | undefined> } = {}): Promise<unknown> {
    const json = options.body === undefined ? undefined : JSON.stringify(options.body);
    const res = await this.fetch(this.url(path, options.query), {
      method,
      headers: json ? { 'content-type': 'application/json' } : {},
      body: json,
    });
    return this.read(res);
  }

  /** Streams a body (an upload) without holding it in memory. */
  async sendStream(path: string, contentType: string, body: AsyncIterable<Uint8Array>): Promise<unknown> {
    const res = await this.fetch(this.url(path), {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
      duplex: 'half',
    } as RequestInit);
    return this.read(res);
  }

  /** Opens an SSE stream; a refusal (404, 401) is thrown before any event is read. */
  async openStream(path: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.fetch(this.url(path), { headers: { accept: 'text/event-stream' } });
    if (!res.ok || !res.body) await this.read(res);
    return res.body!;
  }

  /** Opens a streamed download (an export) with `query`; a refusal is thrown before any byte is read. */
  async download(path: string, query: Record<string, string | undefined>): Promise<ReadableStream<Uint8Array>> {
    const res = await this.fetch(this.url(path, query), {});
    if (!res.ok || !res.body) await this.read(res);
    return res.body!;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    const send = () =>
      fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${this.token}` } });
    try {
      return await (isRepeatable(init.method ?? 'GET') ? withRetries(this.retry, send) : send());
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      const message = `cannot reach the Keelson API at ${this.baseUrl}${cause}`;
      throw new CliError(message, 1, { error: { kind: 'Unavailable', code: 'api.unreachable', message } });
    }
  }

  private async read(res: Response): Promise<unknown> {
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`the API answered ${res.status} without JSON`);
    }
    if (!res.ok) throw new CliError(describeFailure(res.status, body), 1, body);
    return body;
  }
}
