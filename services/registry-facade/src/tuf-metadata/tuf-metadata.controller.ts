import type { IncomingMessage } from 'node:http';
import { Controller, Get, Header, Inject, Param, Req } from '@nestjs/common';
import { DeviceAuthenticator } from '../device-access/device-authenticator.js';
import { notServed } from '../http/http-failure.js';
import { deviceReads } from '../http/registry.metrics.js';
import { parseMetadataFile, TufMetadataStore } from './tuf-metadata.store.js';

/**
 * `GET /v1/fleets/:fleet/tuf/<N>.root.json | timestamp.json | <N>.snapshot.json | <N>.targets.json | <N>.<bin>.json`:
 * a fleet's TUF repository for its own devices (the hash bins its targets delegates to included),
 * the documents exactly as the signer signed them.
 * A tuf-js Updater uses `<facade>/v1/fleets/<fleet>/tuf` as its metadataBaseUrl.
 */
@Controller('v1/fleets/:fleet/tuf')
export class TufMetadataController {
  constructor(
    @Inject(DeviceAuthenticator) private readonly devices: DeviceAuthenticator,
    @Inject(TufMetadataStore) private readonly metadata: TufMetadataStore,
  ) {}

  @Get(':file')
  @Header('Content-Type', 'application/json')
  @Header('Cache-Control', 'no-store')
  async get(@Param('fleet') fleet: string, @Param('file') file: string, @Req() req: IncomingMessage): Promise<string> {
    await this.devices.admit(req, fleet);
    const request = parseMetadataFile(file);
    const document = request ? await this.metadata.find(fleet, request) : null;
    if (!document) throw notServed('tuf.metadata-not-found', `no metadata '${file}' in this fleet's repository`);
    deviceReads().inc({ what: 'metadata' });
    return document;
  }
}
