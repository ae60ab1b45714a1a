import type { Action } from '../action.js';

/** Splits like a shell: whitespace apart, except inside '…' or "…" (quotes removed). */
function shellWords(text: string): string[] {
  const words: string[] = [];
  for (const m of text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** The flags a synopsis or a command line names: `--a`, `[--b N]`, `--keep|--revert`, `--c=1`. */
function flagsIn(words: string[]): string[] {
  return words
    .flatMap((w) =>
      w
        .replace(/^[[(]+/, '')
        .replace(/[\]),.…]+$/, '')
        .split('|'),
    )
    .filter((w) => /^--[a-z]/.test(w))
    .map((w) => w.replace(/=.*$/, '').replace(/\.\.\.$/, ''));
}

/**
 * The argument lists a quoted `keelson …` line stands for, one per alternative it offers
 * (`rollout show|watch <id>`, `registry list | show <name>`): the command words, then each flag it
 * names (with a stand-in value when the command's flag takes one). What is not a flag or a command
 * word (placeholders, values) is left out: the parser is asked about actions and flags only.
 */
export function argvsOf(text: string, actions: Record<string, Action>): string[][] {
  const uncommented = text.replace(/(^|\s)#.*$/, '');
  // A shell construct ends the command: a redirect, `&&`, `;`, the `)` closing `$(`.
  const command = uncommented.split(/\s(?:\d?>|&&|;)|\)(?:\s|$)/)[0]!;
  const [first, ...alternatives] = command.split(/\s\|\s/);
  const words = shellWords(first!);
  const noun = words[0] ?? '';
  // `show|watch` and `tuf root show|import`: one variant per alternative of the second or third word.
  const alternativesOf = (word: string | undefined) => (word === undefined ? [] : word.startsWith('-') ? [word] : word.split('|'));
  const verbs = alternativesOf(words[1]).flatMap((verb) =>
    words[2] === undefined ? [[verb]] : alternativesOf(words[2]).map((third) => [verb, third]),
  );
  // `list | show <name>`: another verb of the same noun; anything else after ` | ` is a shell pipe.
  const more = alternatives.map(shellWords).filter((alt) => alt[0] !== undefined && actions[`${noun} ${alt[0]}`] !== undefined);
  const variants = [...verbs.map((verb) => [noun, ...verb, ...words.slice(3)]), ...more.map((alt) => [noun, ...alt])];
  return variants.map((variant) => {
    const three = actions[variant.slice(0, 3).join(' ')] !== undefined;
    const named = variant.slice(0, three ? 3 : 2);
    const options = actions[named.join(' ')]?.options ?? {};
    const flags = flagsIn(variant.slice(named.length)).flatMap((flag) => {
      const option = options[flag.slice(2)] ?? (flag === '--fleet' ? { type: 'string' } : undefined);
      return option?.type === 'string' ? [flag, 'x'] : [flag];
    });
    return [...named, ...flags];
  });
}
