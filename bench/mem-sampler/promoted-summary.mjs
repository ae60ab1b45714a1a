// Prints the allocation sites of a .heapprofile written by bench/mem-sampler/promoted.mjs: bytes by
// function (self) and by the last frames of Keelson's own code on the stack, largest first.
//   node bench/mem-sampler/promoted-summary.mjs <service>-<pid>.heapprofile [top]
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 20);
const byFunction = new Map();
const byOwnFrames = new Map();
let total = 0;
const frameName = (f) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|services|libs)\//, '$1/')}:${f.lineNumber + 1}`;
const own = (name) => /(^| )(services|libs)\//.test(name) && !name.includes('node_modules');

function walk(node, stack) {
  const name = frameName(node.callFrame);
  const here = [...stack, name];
  if (node.selfSize > 0) {
    total += node.selfSize;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    const key = here.filter(own).slice(-3).reverse().join(' <- ') || '(no Keelson frame)';
    byOwnFrames.set(key, (byOwnFrames.get(key) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, here);
}
walk(profile.head, []);

const mib = (bytes) => (bytes / 1048576).toFixed(2).padStart(8);
const print = (title, map) => {
  console.log(title);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${mib(v)}  ${k}`);
};
console.log(`sampled: ${mib(total)} MiB (live objects and promoted garbage)`);
print('by allocating function', byFunction);
print('by the innermost Keelson frames', byOwnFrames);
