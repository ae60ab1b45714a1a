import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { k8sDir } from './rendered-overlays.js';

// deploy/local/provision.mjs is idempotent: it prints a pinned binary's path, fetching it only if missing
// (`npm test` runs it first, in pretest), and says what to do when it cannot.
const provisioned = (flag: '--print' | '--print-promtool'): string =>
  execFileSync(process.execPath, [join(k8sDir, '..', 'local', 'provision.mjs'), flag], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!;

export const natsServerBinary = (): string => provisioned('--print');
export const promtoolBinary = (): string => provisioned('--print-promtool');
