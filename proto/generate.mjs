#!/usr/bin/env node
// Writes proto/**/*.schema.json from the zod contracts in libs/events (`npm run proto`).
// libs/events/src/json-schema/wire-schemas.spec.ts fails when these files and the schemas drift.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wireSchemas } from '../libs/events/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
for (const [file, schema] of Object.entries(wireSchemas())) {
  const path = join(here, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`proto: ${file}`);
}
