import { z } from 'zod';

/** One route of the operator API as the OpenAPI document describes it; the controllers parse with the same schemas. */
export interface RouteDoc {
  method: 'get' | 'post' | 'delete';
  /** Express style, e.g. `/v1/rollouts/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A multipart form instead of a JSON body. */
  form?: z.ZodObject;
  status: number;
  /** A JSON response, or the events of an SSE stream. */
  response: z.ZodType | { sse: Record<string, z.ZodType> };
  /**
   * True for a route answered without NATS: no token to check (an API token is read from its
   * stream) and nothing asked of a service. Every other route may answer 503 with `Retry-After`.
   */
  withoutBroker?: true;
}
