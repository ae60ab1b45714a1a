import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { ensureLocalTls } from '@keelson/local-infra';
import { register } from 'prom-client';
import { loadServiceConfig } from '../config.js';
import { runService } from './run-service.js';

@Controller()
class PingController {
  @Get('ping')
  ping(): { pong: true } {
    return { pong: true };
  }
}

@Module({ controllers: [PingController] })
class PingModule {}

const get = (url: string, ca: string | undefined) =>
  new Promise<string>((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });

describe('runService with TLS files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-https-'));
  let app: INestApplication | undefined;
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with the given certificate and announces an https URL', async () => {
    const tls = await ensureLocalTls(dir);
    const config = loadServiceConfig('ping', {
      KEELSON_NATS_URL: 'nats://unused',
      KEELSON_HTTP_PORT: '0',
      KEELSON_TLS_CERT_FILE: tls.certFile,
      KEELSON_TLS_KEY_FILE: tls.keyFile,
    });
    app = await runService(PingModule, config);
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(await get(`${url}/ping`, tls.caPem))).toEqual({ pong: true });
    await expect(get(`${url}/ping`, undefined)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('exports when the certificate it serves expires, for the alert that renews it in time', async () => {
    const tls = await ensureLocalTls(dir);
    const expires = Date.parse(new X509Certificate(readFileSync(tls.certFile)).validTo) / 1000;
    const metric = await register.getSingleMetric('keelson_tls_certificate_expiry_timestamp_seconds')?.get();
    expect(metric?.values).toEqual([{ labels: { service: 'ping' }, value: expires }]);
  });
});
