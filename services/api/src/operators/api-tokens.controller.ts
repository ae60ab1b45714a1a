import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { CLOCK, type Clock } from '@keelson/service-kit';
import { operatorContext } from '../http/operator-requests.js';
import { FleetQuery, ListQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { ApiTokenParams, CreateApiTokenRequest, RevokeApiTokenRequest, type ApiTokenList } from './api-token.schemas.js';
import { ApiTokenViews } from './api-token-views.js';
import { ApiTokens, type IssuedApiToken } from './api-tokens.js';

/** A fleet's operator API tokens: issued (secret shown once), listed (never a secret), revoked. Admins only. */
@Controller('v1/tokens')
export class ApiTokensController {
  constructor(
    @Inject(ApiTokens) private readonly tokens: ApiTokens,
    @Inject(ApiTokenViews) private readonly views: ApiTokenViews,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  create(@Query() query: unknown, @Body() body: unknown): Promise<IssuedApiToken> {
    const { fleet } = parseQuery(FleetQuery, query);
    const request = parseBody(CreateApiTokenRequest, body);
    return this.tokens.issue({ fleet, ...request }, operatorContext(), this.clock.now());
  }

  @Get()
  list(@Query() query: unknown): Promise<ApiTokenList> {
    const { fleet, limit, cursor } = parseQuery(ListQuery, query);
    return this.views.list(fleet, this.clock.now(), limit, cursor);
  }

  @Delete(':tokenId')
  async revoke(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { tokenId } = parseParams(ApiTokenParams, params);
    const { reason } = parseBody(RevokeApiTokenRequest, body);
    const { changed } = await this.tokens.revoke(fleet, tokenId, reason, operatorContext());
    return { tokenId, fleet, status: 'revoked' as const, changed };
  }
}
