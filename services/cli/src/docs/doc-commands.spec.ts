import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { actions, parseCommandLine } from '../cli.js';
import { argvsOf } from './doc-command-argv.js';
import { quotedCommands, type QuotedCommand } from './doc-command-lines.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const skipped = new Set(['node_modules', 'dist', '.git', '.keelson']);

/** The repository's documentation: `docs/**` and every README (and other .md) outside build output. */
function markdownFiles(dir = repoRoot): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** Why the CLI's own parser refuses a quoted line, or undefined when every form of it parses. */
function refusal(quoted: Pick<QuotedCommand, 'text'>): string | undefined {
  for (const argv of argvsOf(quoted.text, actions)) {
    try {
      parseCommandLine(argv);
    } catch (err) {
      return `${argv.join(' ')}: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  return undefined;
}

describe('the keelson command lines the documentation quotes', () => {
  const quoted = markdownFiles().flatMap((file) => quotedCommands(relative(repoRoot, file), readFileSync(file, 'utf8')));

  it('are found in the READMEs and docs, synopsis and examples alike', () => {
    expect(quoted.length).toBeGreaterThan(100);
    const files = new Set(quoted.map((q) => q.file));
    for (const file of ['README.md', 'services/cli/README.md', 'docs/runbooks/halt-abort-rollout.md']) expect(files).toContain(file);
  });

  it('each name a command of the CLI and only flags that command takes', () => {
    const refused = quoted.flatMap((q) => {
      const why = refusal(q);
      return why ? [`${q.file}:${q.line}: keelson ${q.text}\n    ${why}`] : [];
    });
    expect(refused).toEqual([]);
  });

  it('cover every command of the CLI in its README', () => {
    const listed = new Set(
      quoted
        .filter((q) => q.file === 'services/cli/README.md')
        .flatMap((q) => argvsOf(q.text, actions).map((argv) => argv.filter((w) => !w.startsWith('-') && w !== 'x').join(' '))),
    );
    expect(Object.keys(actions).filter((name) => !listed.has(name))).toEqual([]);
  });

  describe('the check itself', () => {
    it('refuses an unknown command, an unknown flag and a flag of another command', () => {
      expect(refusal({ text: 'rollout lsit' })).toContain("unknown command 'rollout lsit'");
      expect(refusal({ text: 'rollout list --stats running' })).toContain("Unknown option '--stats'");
      expect(refusal({ text: 'device show cam-01 --reason x' })).toContain("Unknown option '--reason'");
    });

    it('reads synopses: alternatives, optional flags, continued lines, comments and pipes', () => {
      expect(refusal({ text: 'rollout show|watch|approve|resume <id>' })).toBeUndefined();
      expect(refusal({ text: 'rollout show|waltz <id>' })).toContain("unknown command 'rollout waltz'");
      expect(refusal({ text: 'tuf root show|import --root signed.json' })).toContain("Unknown option '--root'"); // show takes no --root
      expect(refusal({ text: 'tuf keys export|rotate' })).toBeUndefined();
      expect(refusal({ text: 'registry list | show <name> | test <name>   # never the password' })).toBeUndefined();
      expect(refusal({ text: 'rollout abort <id> --keep|--revet' })).toContain("Unknown option '--revet'");
      expect(refusal({ text: 'tuf keys export > online-keys.json' })).toBeUndefined();
      const [line] = quotedCommands(
        'x.md',
        '```\nkeelson rollout create --artifact a@1 \\\n  --waves 50,100 --gates manual,auto\n  [--max-oops N]\n```\n',
      );
      expect(refusal(line!)).toContain("Unknown option '--max-oops'");
      expect(quotedCommands('x.md', 'run `npx keelson device list`, then `kubectl -n keelson get pods`').map((q) => q.text)).toEqual([
        'device list',
      ]);
    });
  });
});
