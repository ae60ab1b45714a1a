import { z } from 'zod';
import { InvalidInput, type InputIssue } from '@keelson/domain-kit';

/** Maps zod's issues to the domain's `{ path, message }` issues, keeping every one of them. */
export function toInputIssues(error: z.core.$ZodError): InputIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
    message: issue.message,
  }));
}

/** Parses `raw` with `schema`, or throws `InvalidInput` with the given code and every issue found. */
export function parseOrThrow<S extends z.ZodType>(schema: S, raw: unknown, code: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new InvalidInput(code, toInputIssues(result.error), { cause: result.error });
  return result.data;
}
