import { InvalidInput } from '@keelson/domain-kit';

/** For specs: the dotted paths `parse` complains about; fails the test if `raw` parses. */
export function rejectedPaths(parse: (raw: unknown) => unknown, raw: unknown): string[] {
  try {
    parse(raw);
  } catch (err) {
    if (err instanceof InvalidInput) return err.issues.map((i) => i.path.join('.'));
    throw err;
  }
  throw new Error('parsed, but should have been rejected');
}
