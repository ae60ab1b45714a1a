import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { createServiceApp, loadServiceConfig } from '@keelson/service-kit';
import { keepOperatorConnectionsAlive } from './operator-keep-alive.js';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}
@Module({ controllers: [PingController] })
class PingModule {}

describe("the api keeps an operator's idle connection for a minute", () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await createServiceApp(PingModule, loadServiceConfig('keep-alive-spec', { KEELSON_NATS_URL: 'nats://unused' }));
    keepOperatorConnectionsAlive(app);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
  });

  it('says so to clients, which keep the connection as long', async () => {
    const res = await fetch(`${url}/ping`);
    expect(res.headers.get('keep-alive')).toBe('timeout=65');
    await res.json();
  });
});
