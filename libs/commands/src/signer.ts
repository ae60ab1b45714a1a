import { z } from 'zod';
import { JsonObject, SubjectToken } from '@keelson/events';
import { defineCommand } from './kit.js';

/**
 * The fleet's current signed root metadata, the trust anchor a device pins at enrollment. The first
 * request for a fleet initialises its repository (development trust setup: every key online).
 */
export const getRoot = defineCommand(
  'signer',
  'get-root',
  z.strictObject({ fleet: SubjectToken }),
  z.strictObject({ version: z.number().int().min(1), development: z.boolean(), root: JsonObject }),
);
