#!/usr/bin/env node
// Runs before `npm start` and `npm test`: on a fresh clone (or after package-lock.json changed)
// it installs the locked dependencies, which include the pinned Node 24 every later npm script
// runs on. Plain JavaScript for whatever Node the machine has.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lock = join(repoRoot, 'package-lock.json');
const installed = join(repoRoot, 'node_modules', '.package-lock.json');

const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale && process.env.KEELSON_SKIP_INSTALL !== '1') {
  // `npm install` with the committed lock rather than `npm ci`: the registry mirror lacks some
  // foreign-platform optional builds (@swc/core for darwin), which npm ci insists on finding locked.
  console.log('keelson: installing the locked dependencies…');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: repoRoot, stdio: 'inherit' });
}
