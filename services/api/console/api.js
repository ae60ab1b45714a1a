// The console's only way to the platform: the REST API under /v1, with the operator's bearer token.
// The token lives in this tab's sessionStorage only; closing the tab or signing out forgets it.

const tokenKey = 'keelson.console.token';
const fleetKey = 'keelson.console.fleet';

export const session = {
  token: () => sessionStorage.getItem(tokenKey),
  fleet: () => sessionStorage.getItem(fleetKey) ?? 'default',
  signIn(token, fleet) {
    sessionStorage.setItem(tokenKey, token);
    sessionStorage.setItem(fleetKey, fleet);
  },
  signOut() {
    sessionStorage.removeItem(tokenKey);
    sessionStorage.removeItem(fleetKey);
  },
};

/** A refusal by the API, with the code and message of its `{"error":{…}}` body. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** `path` with the session's fleet added to its query. */
function withFleet(path, fleet) {
  const url = new URL(path, location.origin);
  url.searchParams.set('fleet', fleet);
  return `${url.pathname}${url.search}`;
}

async function send(path, { method = 'GET', body, signal, token = session.token(), fleet = session.fleet() } = {}) {
  const headers = { authorization: `Bearer ${token ?? ''}`, accept: 'application/json' };
  // A FormData body goes as multipart with the boundary the browser writes; any other as JSON.
  const multipart = body instanceof FormData;
  if (body !== undefined && !multipart) headers['content-type'] = 'application/json';
  const res = await fetch(withFleet(path, fleet), {
    method,
    headers,
    signal,
    body: body === undefined || multipart ? body : JSON.stringify(body),
  });
  if (res.ok) return res;
  const text = await res.text();
  let error;
  try {
    error = JSON.parse(text).error;
  } catch {
    error = undefined;
  }
  throw new ApiError(res.status, error?.code ?? `http.${res.status}`, error?.message ?? `the API answered ${res.status}`);
}

/** A JSON call: the parsed answer, or an ApiError. */
export async function api(path, options) {
  const res = await send(path, options);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

/** A streaming call (SSE): the response body to read, or an ApiError before the first byte. */
export async function openStream(path, options) {
  const res = await send(path, { ...options, method: 'GET' });
  return res.body;
}

// Server-sent events over fetch: EventSource cannot send an Authorization header, so the console
// reads the body itself (HTML Living Standard 9.2.6, the parts the api uses: `event:` and `data:`).

/** Yields `{ event, data }` per message, `data` parsed as JSON; comments (heartbeats) are skipped. */
export async function* readSse(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const message = parseBlock(block);
        if (message) yield message;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined); // the page left, or the stream ended: let go of the connection
  }
}

function parseBlock(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')) } : undefined;
}
