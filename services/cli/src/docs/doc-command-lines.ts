/** One `keelson …` command line as a document quotes it: where, and the words after `keelson`. */
export interface QuotedCommand {
  file: string;
  line: number;
  text: string;
}

// `keelson` where a command starts: at the start of a code line or span, after `npx `, `$ ` or `$(`.
// Not after `-n ` (kubectl's namespace) nor inside a word (`keelson-agent`, an image name).
// `keelson …` (any command) is prose, not a command: a command starts with a word.
const invocation = /(?:^|`|\$\(|\$ |npx )keelson ([a-z](?:(?!`).)*)/g;

/** The code of a markdown file: fenced blocks line by line, and the inline spans of the prose. */
function codeOf(markdown: string): { line: number; code: string; fenced: boolean }[] {
  const out: { line: number; code: string; fenced: boolean }[] = [];
  let inFence = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) {
      inFence = !inFence;
      return;
    }
    if (inFence) out.push({ line: i + 1, code: text, fenced: true });
    else for (const span of text.matchAll(/`([^`]+)`/g)) out.push({ line: i + 1, code: `\`${span[1]}`, fenced: false });
  });
  return out;
}

/**
 * Every `keelson` command line of a markdown file. In a fenced block, a line ending in `\`, or a
 * line that only goes on with flags (`   [--probe-delay S] …`), continues the command above it.
 */
export function quotedCommands(file: string, markdown: string): QuotedCommand[] {
  const found: QuotedCommand[] = [];
  let open: QuotedCommand | undefined;
  let continues = false;
  for (const { line, code, fenced } of codeOf(markdown)) {
    if (fenced && open && (continues || /^\s+\[?--/.test(code))) {
      open.text += ` ${code.replace(/\\$/, '').trim()}`;
      continues = code.trimEnd().endsWith('\\');
      continue;
    }
    open = undefined;
    for (const m of code.matchAll(invocation)) {
      const command: QuotedCommand = { file, line, text: m[1]!.replace(/\\$/, '').trim() };
      found.push(command);
      if (fenced) open = command;
    }
    continues = fenced && code.trimEnd().endsWith('\\');
  }
  return found;
}
