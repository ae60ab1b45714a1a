import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { NotFound } from '@keelson/domain-kit';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { AgentBundleShelf, type AgentBundle } from './agent-bundle-shelf.js';
import { installScript } from './install-script.js';

/**
 * Where devices fetch the installer and bundles: `KEELSON_PUBLIC_API_URL` when set, else the address
 * the caller reached this api at (a device on the same network reaches it there too).
 */
export function publicOrigin(config: Pick<ApiConfig, 'publicApiUrl'>, req: IncomingMessage & { protocol?: string }): string {
  return config.publicApiUrl ?? `${req.protocol ?? 'http'}://${req.headers.host ?? 'localhost'}`;
}

/**
 * The agent's release bundles, their sha256 files and the installer: public, as a device that is
 * not enrolled yet has no credentials. Nothing here is secret; integrity comes from the sha256 pins
 * the enroll line carries. Served only when `KEELSON_AGENT_BUNDLES_DIR` is set.
 */
@Controller('v1/agent')
export class AgentBundlesController {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  private shelf(): AgentBundleShelf {
    if (!this.config.agentBundlesDir)
      throw new NotFound('agent-bundles-dir', 'KEELSON_AGENT_BUNDLES_DIR (not set: this platform serves no agent bundles)');
    return new AgentBundleShelf(this.config.agentBundlesDir);
  }

  @Get('bundles')
  list(): { bundles: AgentBundle[] } {
    return { bundles: this.shelf().latest() };
  }

  @Get('bundles/:file')
  bundle(@Param('file') file: string, @Res() res: ServerResponse): void {
    const path = this.shelf().pathOf(file);
    if (!path) throw new NotFound('agent-bundle', file);
    const type = file.endsWith('.sha256') ? 'text/plain; charset=utf-8' : 'application/gzip';
    const stream = createReadStream(path);
    stream.once('open', () => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
      stream.pipe(res);
    });
    stream.once('error', () => {
      if (!res.headersSent) res.writeHead(404, { 'content-type': 'text/plain' });
      res.end();
    });
  }

  @Get('install.sh')
  install(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    const bundles = this.shelf().latest();
    if (!bundles.length) throw new NotFound('agent-bundle', 'keelson-agent-*.tar.gz with its .sha256');
    res.writeHead(200, { 'content-type': 'text/x-shellscript; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(installScript(publicOrigin(this.config, req), bundles));
  }
}
