import { Controller, Get } from '@nestjs/common';
import { apiRoutes } from './api-routes.js';
import { openApiDocument } from './openapi-document.js';

/** `GET /v1/openapi.json`: built once from the same schemas the routes parse with. */
@Controller('v1')
export class OpenApiController {
  private readonly document = openApiDocument(apiRoutes);

  @Get('openapi.json')
  get(): Record<string, unknown> {
    return this.document;
  }
}
