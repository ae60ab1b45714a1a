import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { registry } from '@keelson/requests';
import { isMetadataId, parseActor, type Actor, type EventMetadata } from '@keelson/event-store';
import { ServiceError } from '@keelson/service-kit';
import { outcomeOf, uploadOutcomes } from '../http/registry.metrics.js';
import { hasInternalToken } from './internal-token.js';
import { ArtifactReception } from './receive-artifact.js';

/** The secret the api presents on the internal route (KEELSON_INTERNAL_TOKEN). */
export const INTERNAL_TOKEN = Symbol('INTERNAL_TOKEN');

const header = (req: IncomingMessage, name: string): string => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
};

// The api passes on who asked (`Keelson-Actor`) and the correlation id; anything malformed is replaced.
function metaOf(req: IncomingMessage): EventMetadata {
  const actor: Actor = parseActor(header(req, 'keelson-actor')) ?? { kind: 'service', id: 'api' };
  const commandId = randomUUID();
  const correlation = header(req, 'keelson-correlation-id');
  return { actor, commandId, correlationId: isMetadataId(correlation) ? correlation : commandId };
}

/** `POST /internal/v1/fleets/:fleet/artifacts`: the api streams an operator's upload here. */
@Controller('internal/v1/fleets/:fleet/artifacts')
export class UploadController {
  constructor(
    @Inject(ArtifactReception) private readonly reception: ArtifactReception,
    @Inject(INTERNAL_TOKEN) private readonly internalToken: string,
  ) {}

  @Post()
  @HttpCode(201)
  async upload(@Param('fleet') fleet: string, @Req() req: IncomingMessage): Promise<registry.ArtifactView> {
    try {
      if (!hasInternalToken(header(req, 'authorization'), this.internalToken)) {
        req.resume(); // read and drop the body: nothing of it is looked at
        throw new ServiceError('Unauthorized', 'internal.unauthenticated', 'this route needs the internal service token');
      }
      const view = await this.reception.receive(fleet, req, metaOf(req));
      uploadOutcomes().inc({ outcome: 'created' });
      return view;
    } catch (err) {
      uploadOutcomes().inc({ outcome: outcomeOf(err) });
      throw err;
    }
  }
}
