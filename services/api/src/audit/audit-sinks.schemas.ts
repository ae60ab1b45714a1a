import { z } from 'zod';
import { audit } from '@keelson/requests';
import { SubjectToken } from '@keelson/events';

/**
 * `POST /v1/audit/sinks`: a webhook for the fleet's audit entries. `secret` signs every delivery
 * (HMAC-SHA256, header `Keelson-Signature`); it is sealed at once and never answered. `from`: `now`
 * (default, the next entry), `start` (the whole log) or `{ position }` (that chain position on).
 */
export const AddAuditSinkRequest = audit.addSink.input.omit({ fleet: true });

export const AuditSinkParams = z.object({ name: SubjectToken });

/** A sink as answers show it: address, position, failures in a row, dead letters, paused; never the secret. */
export const AuditSinkView = audit.AuditSink;
export const AuditSinkList = audit.listSinks.output;
export const AuditSinkRemoved = audit.removeSink.output;
