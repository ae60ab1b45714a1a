import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

// Compiled modules, as the installed agent loads them (npm run build).
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

/** The tuf-js and @tufjs/models files a fresh Node process loads when it imports `module` (and nothing else). */
async function tufFilesLoadedBy(module: string): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); loaded.push(found.url); return found; } });
    await import(${JSON.stringify(pathToFileURL(resolve(dist, module)).href)});
    console.log(JSON.stringify(loaded.filter((url) => /node_modules\\/(tuf-js|@tufjs\\/models)\\//.test(url))));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as string[];
}

describe('tuf-js loaded at the first update (issue 13: the idle agent holds no verification code)', () => {
  it('is not loaded by the agent at start', async () => {
    const loaded = await tufFilesLoadedBy('agent.js');
    expect(loaded.filter((url) => !url.endsWith('/tuf-js/dist/error.js'))).toEqual([]);
  });

  it('is loaded with the verified downloads the first refresh imports', async () => {
    const loaded = await tufFilesLoadedBy('tuf/verified-download.js');
    expect(loaded.some((url) => url.includes('/node_modules/tuf-js/'))).toBe(true);
    expect(loaded.some((url) => url.includes('/node_modules/@tufjs/models/'))).toBe(true);
  });
});
