import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TufEvent } from '@keelson/events';

/**
 * Stands in for the registry facade's device-facing side, doing the real work: it serves a fleet's
 * TUF metadata rebuilt from the signer's events on every request (`<N>.root.json`, `timestamp.json`
 * = the latest, `<N>.snapshot.json`, `<N>.targets.json`, `<N>.<bin>.json`; unknown versions 404) and target bytes at
 * `<dir>/<sha256>.<basename>` (consistent snapshots). `targets` may be changed to tamper with bytes.
 */
export interface TufMetadataServer {
  metadataBaseUrl: string;
  targetBaseUrl: string;
  /** Bytes by target path. */
  targets: Map<string, Buffer>;
  /** Every path requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

const fileOf: Record<Exclude<TufEvent['type'], 'TufRepositoryInitialised' | 'DelegatedTargetsSigned'>, string> = {
  RootMetadataSigned: 'root',
  TargetsSigned: 'targets',
  SnapshotSigned: 'snapshot',
  TimestampRenewed: 'timestamp',
};

function metadataFiles(events: TufEvent[]): Map<string, Record<string, unknown>> {
  const files = new Map<string, Record<string, unknown>>();
  for (const e of events) {
    if (e.type === 'TufRepositoryInitialised') continue;
    const role = e.type === 'DelegatedTargetsSigned' ? e.data.role : fileOf[e.type];
    files.set(role === 'timestamp' ? 'timestamp.json' : `${e.data.version}.${role}.json`, e.data.metadata);
  }
  return files;
}

export async function serveTufMetadata(eventsOf: () => Promise<TufEvent[]>): Promise<TufMetadataServer> {
  const targets = new Map<string, Buffer>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    void (async () => {
      if (path.startsWith('/tuf/')) {
        const doc = metadataFiles(await eventsOf()).get(path.slice('/tuf/'.length));
        if (!doc) return void res.writeHead(404).end();
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      }
      const hit = /^\/targets\/(.*\/)?([0-9a-f]{64})\.([^/]+)$/.exec(path);
      const bytes = hit ? targets.get(`${hit[1] ?? ''}${hit[3]}`) : undefined;
      if (!bytes) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    metadataBaseUrl: `${base}/tuf`,
    targetBaseUrl: `${base}/targets`,
    targets,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
