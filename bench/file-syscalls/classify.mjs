// Sums an `strace -f` trace of the simulated fleet per device update: each call by name, the failed
// ones by name and error (also when the result is on a `<... resumed>` line), and each call by the
// part of a device's data directory its path names. Used by count.sh.
//   node bench/file-syscalls/classify.mjs TRACE DEVICES [FROM: epoch seconds; earlier calls are left out, with strace -ttt]
import { readFileSync } from 'node:fs';

const [file, devicesArg, fromArg] = process.argv.slice(2);
const from = fromArg === undefined ? 0 : Number(fromArg);
const devices = Number(devicesArg);
if (!file || !(devices > 0)) throw new Error('usage: classify.mjs TRACE DEVICES');

/** The part of an agent's data directory (services/agent/src/data-dir/layout.ts) a path names. */
function partOf(path) {
  if (!path) return '(by descriptor)';
  if (path.startsWith('/proc')) return "the bench's /proc sampling";
  if (/\/tuf(\/|$)/.test(path)) return 'tuf/';
  if (/state\.json/.test(path)) return 'journal';
  if (/\/artifacts(\/|$)/.test(path)) return 'artifacts/';
  if (/.\/tmp(\/(target|fetch)-|$)/.test(path)) return 'tmp/';
  if (/\/identity\//.test(path)) return 'identity/';
  return 'the data directory itself';
}

const counts = new Map();
const add = (key) => counts.set(key, (counts.get(key) ?? 0) + 1);
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const at = /^\d+\s+(\d+\.\d+)\s/.exec(line);
  if (at && Number(at[1]) < from) continue;
  const resumed = /^\d+\s+(?:\d+\.\d+\s+)?<\.\.\. (\w+) resumed>.*= -1 (\w+)/.exec(line);
  if (resumed) {
    add(`${resumed[1]} failed ${resumed[2]}`);
    continue;
  }
  const call = /^\d+\s+(?:\d+\.\d+\s+)?(\w+)\((.*)$/.exec(line);
  if (!call) continue;
  const [, name, rest] = call;
  add(name);
  add(`${partOf(/"([^"]*)"/.exec(rest)?.[1])}: ${name}`);
  const failed = /= -1 (\w+)/.exec(rest)?.[1];
  if (failed) add(`${name} failed ${failed}`);
}
const perUpdate = (n) => (n / devices).toFixed(2).padStart(8);
const rows = [...counts].sort((a, b) => b[1] - a[1]);
console.log('per device update, by call');
for (const [key, n] of rows.filter(([k]) => !k.includes(':'))) console.log(`  ${key.padEnd(34)}${perUpdate(n)}`);
const total = rows.filter(([k]) => !k.includes(':') && !k.includes(' failed ')).reduce((sum, [, n]) => sum + n, 0);
const failures = rows.filter(([k]) => k.includes(' failed ')).reduce((sum, [, n]) => sum + n, 0);
console.log(`  ${'all calls'.padEnd(34)}${perUpdate(total)}\n  ${'of them failed'.padEnd(34)}${perUpdate(failures)}`);
console.log('per device update, by path');
for (const [key, n] of rows.filter(([k]) => k.includes(':'))) console.log(`  ${key.padEnd(48)}${perUpdate(n)}`);
