import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One release bundle of the agent in the configured directory (deploy/agent-bundle/build.mjs writes them). */
export interface AgentBundle {
  version: string;
  arch: string;
  file: string;
  sha256: string;
}

const bundlePattern = /^keelson-agent-(\d+\.\d+\.\d+)-linux-(x64|arm64)\.tar\.gz$/;
const checksumPattern = /^([0-9a-f]{64}) {2}(\S+)\n?$/;

function newer(a: string, b: string): boolean {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
}

/**
 * The bundles a directory holds: each `keelson-agent-<version>-linux-<arch>.tar.gz` that has a matching
 * `.sha256` beside it; per architecture the newest version. Read at each call, so a bundle dropped in
 * later is served without a restart. Only these names are ever served: nothing else of the directory.
 */
export class AgentBundleShelf {
  constructor(readonly dir: string) {}

  latest(): AgentBundle[] {
    const byArch = new Map<string, AgentBundle>();
    for (const file of readdirSync(this.dir)) {
      const match = bundlePattern.exec(file);
      if (!match) continue;
      const sha256 = this.checksumOf(file);
      if (!sha256) continue;
      const bundle = { version: match[1]!, arch: match[2]!, file, sha256 };
      const seen = byArch.get(bundle.arch);
      if (!seen || newer(bundle.version, seen.version)) byArch.set(bundle.arch, bundle);
    }
    return [...byArch.values()].sort((a, b) => a.arch.localeCompare(b.arch));
  }

  /** The path of a servable file (a bundle or its .sha256), or undefined for any other name. */
  pathOf(name: string): string | undefined {
    const bundle = name.endsWith('.sha256') ? name.slice(0, -'.sha256'.length) : name;
    if (!bundlePattern.test(bundle) || !this.checksumOf(bundle)) return undefined;
    return join(this.dir, name);
  }

  private checksumOf(file: string): string | undefined {
    try {
      const match = checksumPattern.exec(readFileSync(join(this.dir, `${file}.sha256`), 'utf8'));
      return match && match[2] === file ? match[1] : undefined;
    } catch {
      return undefined;
    }
  }
}
