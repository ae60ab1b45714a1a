import { z } from 'zod';

/** The services that answer requests; each serves `cmd.<service>.<name>` in a queue group of its name. */
export const ServiceName = z.enum(['registry', 'signer', 'gateway', 'orchestrator', 'audit']);
export type ServiceName = z.infer<typeof ServiceName>;

/** One request/reply contract: who answers it, what it takes and what it returns. */
export interface RequestContract<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly service: ServiceName;
  readonly name: string;
  readonly input: I;
  readonly output: O;
}

/** Declares a contract; `name` is kebab-case and becomes the last subject token. */
export function defineRequest<I extends z.ZodType, O extends z.ZodType>(
  service: ServiceName,
  name: string,
  input: I,
  output: O,
): RequestContract<I, O> {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) throw new Error(`request name '${name}' must be kebab-case`);
  return { service, name, input, output };
}

export type RequestInput<C extends RequestContract> = z.input<C['input']>;
export type ParsedRequestInput<C extends RequestContract> = z.output<C['input']>;
export type RequestOutput<C extends RequestContract> = z.output<C['output']>;

/** `cmd.<service>.<name>`, behind the installation's subject prefix (empty in production). */
export function requestSubject(subjectPrefix: string, contract: Pick<RequestContract, 'service' | 'name'>): string {
  return `${subjectPrefix}cmd.${contract.service}.${contract.name}`;
}

/** The kinds of refusal a reply can carry; the api maps each to one HTTP status. */
export const ErrorKind = z.enum([
  'InvalidInput',
  'NotFound',
  'RuleViolation',
  'ConcurrencyError',
  'Unauthorized',
  'Forbidden',
  'Internal',
  'Unavailable',
]);
export type ErrorKind = z.infer<typeof ErrorKind>;

export const ReplyError = z.strictObject({
  kind: ErrorKind,
  code: z.string().min(1).max(200),
  message: z.string().max(2000),
  issues: z.array(z.strictObject({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
});
export type ReplyError = z.infer<typeof ReplyError>;

/** Every reply on a request subject. */
export const RequestReply = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: ReplyError }),
]);
export type RequestReply = z.infer<typeof RequestReply>;

/** Paging shared by list queries: newest first unless a query says otherwise. */
export const Page = {
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
};
