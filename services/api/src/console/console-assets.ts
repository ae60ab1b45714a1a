import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the console, read once at start: its bytes and the type it is served as. */
export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
}

/** The only kinds of file the console is made of; anything else in the folder is never served. */
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * `services/api/console/`: the same folder from `src/console/` (specs) and `dist/console/` (the
 * built service), both two levels below the package.
 */
export const consoleRoot = fileURLToPath(new URL('../../console/', import.meta.url));

/** Relative paths of the files under `dir` (forward slashes), recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/**
 * Every console file by its path below `/console/`. A request is answered only when its path is
 * one of these keys exactly, so no request path (`..`, encoded or not) can name another file.
 */
export function loadConsoleAssets(root: string = consoleRoot): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  for (const path of filesUnder(root)) {
    const contentType = contentTypes[extname(path)];
    if (contentType) assets.set(path, { body: readFileSync(join(root, path)), contentType });
  }
  if (!assets.has('index.html')) throw new Error(`the operator console is missing: no index.html in ${root}`);
  return assets;
}
