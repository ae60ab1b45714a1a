import { z } from 'zod';

/** What every event and device message looks like on the wire, before its type is known. */
export interface Message {
  type: string;
  schemaVersion: number;
  data: unknown;
}

/** A schema made by `defineMessage`: its type name and version are readable without parsing. */
export type MessageSchema<M extends Message = Message> = z.ZodType<M> & {
  readonly shape: { readonly type: { readonly value: M['type'] }; readonly schemaVersion: { readonly value: number } };
};

/**
 * Defines one version of one message as `{ type, schemaVersion, data }` from the shape of its data.
 * Both levels are strict: a writer that adds a field without a new version fails at the first
 * reader instead of leaking an undeclared field into a published contract.
 */
export function defineMessage<const T extends string, const V extends number, const D extends z.core.$ZodLooseShape>(
  type: T,
  schemaVersion: V,
  data: D,
) {
  return z.strictObject({
    type: z.literal(type),
    schemaVersion: z.literal(schemaVersion),
    data: z.strictObject(data),
  });
}
