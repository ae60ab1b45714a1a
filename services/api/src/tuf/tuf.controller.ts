import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { signer } from '@keelson/requests';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseBody, parseQuery } from '../http/request.schemas.js';
import { RotateOnlineKeyRequest, SignedRootDocument } from './tuf.schemas.js';

/**
 * The fleet's TUF trust domain, owned by the signer: the root in force, the public online keys an
 * offline root ceremony needs, importing its signed root, and rotating an online key.
 */
@Controller('v1/tuf')
export class TufController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Get('root')
  root(@Query() query: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    return this.requests.call(signer.getRoot, { fleet });
  }

  @Post('root')
  @HttpCode(200)
  importRoot(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const root = parseBody(SignedRootDocument, body);
    return this.requests.call(signer.importRoot, { fleet, root });
  }

  @Get('online-keys')
  onlineKeys(@Query() query: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    return this.requests.call(signer.exportOnlineKeys, { fleet });
  }

  @Post('online-keys/rotate')
  @HttpCode(200)
  rotate(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { role } = parseBody(RotateOnlineKeyRequest, body);
    return this.requests.call(signer.rotateOnlineKey, { fleet, role });
  }
}
