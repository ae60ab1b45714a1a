/** A tiny client for specs: JSON in, status and JSON out, with the admin token unless told otherwise. */
export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- specs read arbitrary JSON
  headers: Headers;
}

export function apiClient(baseUrl: string, token: string) {
  return async (method: string, path: string, body?: unknown, opts: { token?: string | null } = {}): Promise<Answer> => {
    const auth = opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? token}` };
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}

/** One SSE message or comment as a spec sees it. */
export interface SseItem {
  event?: string;
  data?: unknown;
  comment?: string;
}

/** Reads an SSE response item by item until it ends. */
export async function* readSse(res: Response): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const item: SseItem = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) item.comment = line.slice(1).trim();
        else if (line.startsWith('event: ')) item.event = line.slice(7);
        else if (line.startsWith('data: ')) item.data = JSON.parse(line.slice(6));
      }
      yield item;
    }
  }
}
