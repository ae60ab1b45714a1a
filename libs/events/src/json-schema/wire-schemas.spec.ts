import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wireSchemas } from './wire-schemas.js';

const protoDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'proto');

function committedSchemas(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? committedSchemas(join(dir, e.name)) : e.name.endsWith('.schema.json') ? [relative(protoDir, join(dir, e.name))] : [],
  );
}

describe('proto/: the wire contracts as JSON Schema', () => {
  const generated = wireSchemas();

  it('has exactly one committed file per wire contract (run `npm run proto` after a schema change)', () => {
    expect(committedSchemas(protoDir).sort()).toEqual(Object.keys(generated).sort());
  });

  it.each(Object.keys(generated))('%s matches the zod schema it was generated from', (file) => {
    expect(JSON.parse(readFileSync(join(protoDir, file), 'utf8'))).toEqual(generated[file]);
  });

  it('describes the envelope a device vendor must send', () => {
    const hello = generated['device-protocol/DeviceHello.schema.json'] as {
      required: string[];
      properties: Record<string, { const?: unknown }>;
      additionalProperties: boolean;
    };
    expect(hello.required).toEqual(['type', 'schemaVersion', 'data']);
    expect(hello.properties['type']!.const).toBe('DeviceHello');
    expect(hello.additionalProperties).toBe(false);
  });
});
