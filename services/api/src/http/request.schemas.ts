import { z } from 'zod';
import { parseOrThrow, SubjectToken } from '@keelson/events';

/** `?fleet=`: every route is fleet-scoped; the local stack's fleet is `default`. */
export const fleetParam = { fleet: SubjectToken.default('default') };

/** Paging of list routes, as query strings. */
export const pageParams = {
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(200).optional(),
};

export const FleetQuery = z.object(fleetParam);
export const ListQuery = z.object({ ...fleetParam, ...pageParams });

/** Parses a query string; unknown parameters are ignored, bad ones are a 400 listing each issue. */
export function parseQuery<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  return parseOrThrow(schema, raw ?? {}, 'query.invalid');
}

/** Parses path parameters. */
export function parseParams<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  return parseOrThrow(schema, raw ?? {}, 'path.invalid');
}

/** Parses a JSON body; an absent body is `{}` so optional bodies stay optional. */
export function parseBody<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  return parseOrThrow(schema, raw ?? {}, 'body.invalid');
}
