import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allEvents } from './all-events.js';
import { parseAuditCloudEvent } from './audit/audit-cloud-event.js';
import { deviceMessages } from './device-protocol/device-messages.js';
import type { Message } from './kit/define-message.js';
import type { MessageRegistry } from './kit/registry.js';

// A published schema is never edited: each version of each message keeps a stored example here, and
// it must go on parsing for as long as the library exists. Old versions parse through their upcasting
// readers; latest versions must parse to themselves, so no field is silently added, renamed or defaulted.
const goldenDir = fileURLToPath(new URL('../golden/', import.meta.url));
const registries: MessageRegistry<Message>[] = [allEvents, deviceMessages];

const fixtures = readdirSync(goldenDir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => relative(goldenDir, join(entry.parentPath, entry.name)).split(sep).join('/'))
  .sort();

const read = (path: string): unknown => JSON.parse(readFileSync(join(goldenDir, path), 'utf8'));
const messageFixtures = fixtures.filter((path) => !path.startsWith('cloudevents/'));
const cloudEventFixtures = fixtures.filter((path) => path.startsWith('cloudevents/'));

describe('golden fixtures', () => {
  it.each(messageFixtures)('%s parses with the registry of its type', (path) => {
    const match = /^v(\d+)\/([A-Za-z0-9]+)\.json$/.exec(path);
    if (!match) throw new Error(`${path}: golden messages live at v<schemaVersion>/<type>.json`);
    const [, version, type] = match;
    const raw = read(path) as Message;
    expect({ type: raw.type, schemaVersion: raw.schemaVersion }).toEqual({ type, schemaVersion: Number(version) });

    const owners = registries.filter((registry) => registry.types.includes(raw.type));
    expect(owners).toHaveLength(1);
    const registry = owners[0]!;
    const parsed = registry.parse(raw);
    if (raw.schemaVersion === registry.latestVersion(raw.type)) expect(parsed).toEqual(raw);
    else expect(parsed.schemaVersion).toBe(registry.latestVersion(raw.type));
  });

  it.each(cloudEventFixtures)('%s parses as an audit CloudEvent to itself', (path) => {
    const raw = read(path);
    expect(parseAuditCloudEvent(raw)).toEqual(raw);
  });

  it('cover every version of every registered type', () => {
    const expected = registries.flatMap((registry) =>
      registry.readers.flatMap(({ type, versions }) => Object.keys(versions).map((version) => `v${version}/${type}.json`)),
    );
    expect(expected.filter((path) => !messageFixtures.includes(path))).toEqual([]);
  });

  it('hold nothing that no registry reads', () => {
    expect(cloudEventFixtures).toEqual(['cloudevents/AuditCloudEvent.json']);
    const known = new Set(registries.flatMap((registry) => registry.types));
    expect(messageFixtures.filter((path) => !known.has(path.replace(/^v\d+\/|\.json$/g, '')))).toEqual([]);
  });
});
