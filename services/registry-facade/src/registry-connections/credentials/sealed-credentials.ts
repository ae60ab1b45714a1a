import { randomBytes } from 'node:crypto';
import { RuleViolation } from '@keelson/domain-kit';
import type { Database } from '@keelson/postgres';
import { openKey, sealKey, SealedKeyRefused, type SealingSecrets } from '@keelson/service-kit';
import type { UpstreamCredentials } from '../upstream/upstream-registry.js';

/** The variable whose secret seals registry credentials; `_PREVIOUS` during its rotation. */
export const credentialsSecretName = 'KEELSON_REGISTRY_CREDENTIALS_SECRET';

interface CredentialsRow {
  sealed: string;
  fleet: string;
  connection_id: string;
}

// The label binds a sealed row to its place: a row copied to another connection does not open.
const labelOf = (fleet: string, connectionId: string, credentialsId: string) =>
  `registry-credentials/${fleet}/${connectionId}/${credentialsId}`;

/**
 * Upstream credentials sealed at rest (AES-256-GCM under a key derived from
 * `KEELSON_REGISTRY_CREDENTIALS_SECRET`, as the signer's and the gateway's keys are) in the facade's
 * database, one row per credentials id. Events name a row by its id; no event, log or answer ever
 * holds what is in it. Every replica reads the same rows, and only the facade opens them.
 */
export class SealedCredentials {
  constructor(
    private readonly db: Database,
    private readonly secrets: SealingSecrets | undefined,
  ) {}

  /** Seals and stores `credentials`; returns the new row's id. */
  async seal(fleet: string, connectionId: string, credentials: UpstreamCredentials): Promise<string> {
    if (!this.secrets) {
      throw new RuleViolation(
        'registry.credentials-secret-unset',
        `${credentialsSecretName} is not set on the registry facade: credentials cannot be stored sealed`,
      );
    }
    const credentialsId = `c-${randomBytes(8).toString('hex')}`;
    const sealed = await sealKey(JSON.stringify(credentials), this.secrets.current, labelOf(fleet, connectionId, credentialsId));
    await this.db.query('INSERT INTO registry_credentials (credentials_id, fleet, connection_id, sealed) VALUES ($1, $2, $3, $4)', [
      credentialsId,
      fleet,
      connectionId,
      sealed,
    ]);
    return credentialsId;
  }

  /** Opens the row `credentialsId` (with the previous secret too, during a rotation of it). */
  async open(credentialsId: string): Promise<UpstreamCredentials> {
    const [row] = await this.db.query<CredentialsRow>(
      'SELECT sealed, fleet, connection_id FROM registry_credentials WHERE credentials_id = $1',
      [credentialsId],
    );
    if (!row)
      throw new RuleViolation(
        'registry.credentials-missing',
        `the sealed credentials ${credentialsId} are gone: rotate the connection's credentials`,
      );
    if (!this.secrets)
      throw new RuleViolation(
        'registry.credentials-secret-unset',
        `${credentialsSecretName} is not set on the registry facade: stored credentials cannot be opened`,
      );
    const label = labelOf(row.fleet, row.connection_id, credentialsId);
    let text: string;
    try {
      text = await openKey(row.sealed, this.secrets.current, label, this.secrets.name);
    } catch (err) {
      if (!(err instanceof SealedKeyRefused) || this.secrets.previous === undefined) throw err;
      text = await openKey(row.sealed, this.secrets.previous, label, `${this.secrets.name}_PREVIOUS`);
      await this.db.query('UPDATE registry_credentials SET sealed = $2 WHERE credentials_id = $1', [
        credentialsId,
        await sealKey(text, this.secrets.current, label),
      ]);
    }
    return JSON.parse(text) as UpstreamCredentials;
  }

  /**
   * During a rotation of the secret (`_PREVIOUS` set): re-seals every row only the previous secret
   * opens under the current one, so `_PREVIOUS` can go after one start. Returns how many it re-sealed;
   * a row neither secret opens stops it, naming the variables and the row, never a value.
   */
  async resealAll(): Promise<number> {
    if (this.secrets?.previous === undefined) return 0;
    const rows = await this.db.query<CredentialsRow & { credentials_id: string }>(
      'SELECT credentials_id, sealed, fleet, connection_id FROM registry_credentials',
    );
    let resealed = 0;
    for (const row of rows) {
      const label = labelOf(row.fleet, row.connection_id, row.credentials_id);
      const opened = await openKey(row.sealed, this.secrets.current, label, this.secrets.name).then(
        () => true,
        () => false,
      );
      if (opened) continue;
      const text = await openKey(row.sealed, this.secrets.previous, label, `${this.secrets.name}_PREVIOUS`).catch(() => {
        throw new SealedKeyRefused(`neither ${this.secrets!.name} nor ${this.secrets!.name}_PREVIOUS opens ${label}`);
      });
      await this.db.query('UPDATE registry_credentials SET sealed = $2 WHERE credentials_id = $1', [
        row.credentials_id,
        await sealKey(text, this.secrets.current, label),
      ]);
      resealed++;
    }
    return resealed;
  }

  /** Destroys one row (credentials replaced, or never recorded because the append failed). */
  async destroy(credentialsId: string): Promise<void> {
    await this.db.query('DELETE FROM registry_credentials WHERE credentials_id = $1', [credentialsId]);
  }

  /** Destroys every row of a removed connection. */
  async destroyAllOf(connectionId: string): Promise<void> {
    await this.db.query('DELETE FROM registry_credentials WHERE connection_id = $1', [connectionId]);
  }
}
