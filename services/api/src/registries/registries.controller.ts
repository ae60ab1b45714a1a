import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { registry } from '@keelson/requests';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, ListQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { ConnectRegistryRequest, RegistryParams, RotateRegistryCredentialsRequest } from './registry.schemas.js';

/** Upstream registry connections, owned by the registry facade (which alone holds their credentials). */
@Controller('v1/registries')
export class RegistriesController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Post()
  @HttpCode(201)
  connect(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { allowedRealmOrigins, ...connection } = parseBody(ConnectRegistryRequest, body);
    return this.requests.call(registry.connectRegistry, { fleet, ...connection, allowedRealmOrigins: allowedRealmOrigins ?? [] });
  }

  @Get()
  list(@Query() query: unknown) {
    const { fleet, limit, cursor } = parseQuery(ListQuery, query);
    return this.requests.call(registry.listRegistries, { fleet, limit, cursor });
  }

  @Get(':name')
  get(@Query() query: unknown, @Param() params: unknown) {
    return this.requests.call(registry.getRegistry, this.named(query, params));
  }

  @Post(':name/test')
  @HttpCode(200)
  test(@Query() query: unknown, @Param() params: unknown) {
    return this.requests.call(registry.testRegistry, this.named(query, params));
  }

  @Post(':name/credentials')
  @HttpCode(200)
  rotate(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    return this.requests.call(registry.rotateRegistryCredentials, {
      ...this.named(query, params),
      ...parseBody(RotateRegistryCredentialsRequest, body),
    });
  }

  @Delete(':name')
  remove(@Query() query: unknown, @Param() params: unknown) {
    return this.requests.call(registry.removeRegistry, this.named(query, params));
  }

  private named(query: unknown, params: unknown): { fleet: string; name: string } {
    const { fleet } = parseQuery(FleetQuery, query);
    return { fleet, name: parseParams(RegistryParams, params).name };
  }
}
