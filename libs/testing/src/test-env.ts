/** What the global setup hands to every test worker (through the environment). */
export interface TestEnv {
  runId: string;
  natsUrl: string;
  natsUser: string;
  natsPass: string;
  /** The test server's system-account user (server events, connection lists). */
  natsSystemUser: string;
  natsSystemPass: string;
  mqttUrl: string;
  pgAdminUrl: string;
  natsBinary: string;
}

const keys = {
  runId: 'KEELSON_TEST_RUN_ID',
  natsUrl: 'KEELSON_TEST_NATS_URL',
  natsUser: 'KEELSON_TEST_NATS_USER',
  natsPass: 'KEELSON_TEST_NATS_PASS',
  natsSystemUser: 'KEELSON_TEST_NATS_SYSTEM_USER',
  natsSystemPass: 'KEELSON_TEST_NATS_SYSTEM_PASS',
  mqttUrl: 'KEELSON_TEST_MQTT_URL',
  pgAdminUrl: 'KEELSON_TEST_PG_ADMIN_URL',
  natsBinary: 'KEELSON_TEST_NATS_BINARY',
} as const satisfies Record<keyof TestEnv, string>;

export function exportTestEnv(env: TestEnv): void {
  for (const [field, key] of Object.entries(keys)) process.env[key] = env[field as keyof TestEnv];
}

/** Reads the harness's environment; fails loudly when a spec runs outside the integration project. */
export function testEnv(): TestEnv {
  const out = {} as TestEnv;
  for (const [field, key] of Object.entries(keys)) {
    const value = process.env[key];
    if (!value)
      throw new Error(`${key} is not set: integration specs (*.int.spec.ts, *.e2e.spec.ts) run under libs/testing's global setup`);
    out[field as keyof TestEnv] = value;
  }
  return out;
}
