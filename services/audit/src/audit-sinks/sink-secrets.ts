import { RuleViolation } from '@keelson/domain-kit';
import type { Database } from '@keelson/postgres';
import { openKey, sealKey, SealedKeyRefused, type SealingSecrets } from '@keelson/service-kit';

/** The variable whose secret seals the sinks' signing secrets; `_PREVIOUS` during its rotation. */
export const sinkSecretName = 'KEELSON_AUDIT_SINK_SECRET';

// The label binds a sealed secret to its sink: a row copied onto another sink does not open.
const labelOf = (sinkId: string) => `audit-sink/${sinkId}`;

/**
 * The sinks' signing secrets sealed at rest (AES-256-GCM under a key derived from
 * `KEELSON_AUDIT_SINK_SECRET`, as registry credentials are). Opened once per sink and kept in memory
 * for the deliveries; never logged, never in an answer, an event or an audit entry.
 */
export class SinkSecrets {
  private readonly opened = new Map<string, string>();

  constructor(private readonly secrets: SealingSecrets | undefined) {}

  /** Refuses (changing nothing) when the platform secret is not configured. */
  requireConfigured(): SealingSecrets {
    if (!this.secrets)
      throw new RuleViolation(
        'audit.sink-secret-unset',
        `${sinkSecretName} is not set on the audit service: a sink's signing secret cannot be stored sealed`,
      );
    return this.secrets;
  }

  async seal(sinkId: string, signingSecret: string): Promise<string> {
    return sealKey(signingSecret, this.requireConfigured().current, labelOf(sinkId));
  }

  /** The signing secret of a sink (the previous platform secret is tried too, during its rotation). */
  async open(sinkId: string, sealed: string): Promise<string> {
    const cached = this.opened.get(sinkId);
    if (cached !== undefined) return cached;
    const secrets = this.requireConfigured();
    let text: string;
    try {
      text = await openKey(sealed, secrets.current, labelOf(sinkId), secrets.name);
    } catch (err) {
      if (!(err instanceof SealedKeyRefused) || secrets.previous === undefined) throw err;
      text = await openKey(sealed, secrets.previous, labelOf(sinkId), `${secrets.name}_PREVIOUS`);
    }
    this.opened.set(sinkId, text);
    return text;
  }

  forget(sinkId: string): void {
    this.opened.delete(sinkId);
  }

  /**
   * During a rotation of the platform secret (`_PREVIOUS` set): re-seals every sink's secret that only
   * the previous one opens under the current one, so `_PREVIOUS` can go after one start. Returns how
   * many; a row neither opens stops it, naming the variables and the sink, never a value.
   */
  async resealAll(db: Database): Promise<number> {
    const secrets = this.secrets;
    if (secrets?.previous === undefined) return 0;
    const rows = await db.query<{ sink_id: string; sealed_secret: string }>('SELECT sink_id, sealed_secret FROM audit_sinks');
    let resealed = 0;
    for (const row of rows) {
      const label = labelOf(row.sink_id);
      if (
        await openKey(row.sealed_secret, secrets.current, label, secrets.name).then(
          () => true,
          () => false,
        )
      )
        continue;
      const text = await openKey(row.sealed_secret, secrets.previous, label, `${secrets.name}_PREVIOUS`).catch(() => {
        throw new SealedKeyRefused(`neither ${secrets.name} nor ${secrets.name}_PREVIOUS opens ${label}`);
      });
      await db.query('UPDATE audit_sinks SET sealed_secret = $2 WHERE sink_id = $1', [
        row.sink_id,
        await sealKey(text, secrets.current, label),
      ]);
      resealed++;
    }
    return resealed;
  }
}
