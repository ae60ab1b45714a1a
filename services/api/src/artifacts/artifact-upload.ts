import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { InvalidInput } from '@keelson/domain-kit';
import { headerNames } from '@keelson/event-store';
import { inHttpClientSpan, ServiceError } from '@keelson/service-kit';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { operatorContext } from '../http/operator-requests.js';

/** What the facade answered, relayed to the operator as it is. */
export interface UploadOutcome {
  status: number;
  body: unknown;
}

/**
 * Streams an operator's multipart upload to the facade's internal route. The body is passed on as
 * it arrives (never buffered here): artifacts can be gigabytes, and the facade hashes and limits
 * the size while it writes.
 */
@Injectable()
export class ArtifactUpload {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  async forward(fleet: string, req: IncomingMessage): Promise<UploadOutcome> {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data;\s*boundary=/i.test(contentType)) {
      throw new InvalidInput('upload.not-multipart', [{ path: ['content-type'], message: 'must be multipart/form-data with a boundary' }]);
    }
    // Who asked travels with the upload, so the facade's ArtifactReceived names the operator in the audit log.
    const ctx = operatorContext();
    let res: Response;
    try {
      const url = new URL(`${this.config.facadeUrl}/internal/v1/fleets/${fleet}/artifacts`);
      res = await inHttpClientSpan('POST', url, (traceHeaders) =>
        fetch(url, {
          method: 'POST',
          headers: {
            ...traceHeaders, // the facade's span of the upload joins the operator's request
            'content-type': contentType,
            authorization: `Bearer ${this.config.internalToken}`,
            [headerNames.actor]: `${ctx.actor.kind}:${ctx.actor.id}`,
            [headerNames.correlationId]: ctx.correlationId,
          },
          body: req,
          duplex: 'half',
        }),
      );
    } catch (err) {
      throw new ServiceError('Unavailable', 'registry.unavailable', 'the registry facade could not take the upload', { cause: err });
    }
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch (err) {
      throw new ServiceError('Internal', 'registry.bad-response', `the registry facade answered ${res.status} without JSON`, {
        cause: err,
      });
    }
  }
}
