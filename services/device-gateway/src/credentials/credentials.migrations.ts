import type { Migration } from '@keelson/postgres';

/** Why the modules that keep device credentials need the gateway's database (their declarations, service-kit's `requireDatabase`). */
export const credentialsTables = 'device credentials are kept there';

/** The gateway's table of device broker credentials (only salted digests; see device-password.ts). */
export const credentialsMigrations: Migration[] = [
  {
    id: 'device-gateway-credentials-0001-device-credentials',
    sql: `CREATE TABLE IF NOT EXISTS device_credentials (
      device_id text PRIMARY KEY,
      fleet text NOT NULL,
      password_salt bytea NOT NULL,
      password_sha256 bytea NOT NULL,
      issued_at timestamptz NOT NULL,
      revoked_at timestamptz
    )`,
  },
];
