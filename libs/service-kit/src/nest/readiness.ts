import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Database } from '@keelson/postgres';
import { DATABASE, NATS } from '../tokens.js';
import { ServiceLifecycle } from './service-lifecycle.js';

/** How long the database may take to answer `SELECT 1` before the service counts as not ready. */
export const DATABASE_CHECK_MS = 2_000;

export interface ReadinessReport {
  ready: boolean;
  /** `ok`, or why that dependency is not usable now. */
  checks: { nats: string; database?: string; modules: string; lifecycle: string };
}

/**
 * Whether the service can do its work now. The HTTP port opens only after every module has started
 * (streams applied, migrations run, projections and reactors consuming), so answering at all means
 * start-up is done; after that, ready means: the NATS connection is up (not cut and reconnecting), the
 * database answers, every module runs (one that waits for another service's stream starts in the
 * background, after the port opened) and the service is not stopping (a replica being stopped leaves
 * its load balancer before its connections close).
 */
@Injectable()
export class Readiness implements OnModuleInit, OnModuleDestroy {
  private natsCut: string | undefined;
  private stopping = false;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(DATABASE) private readonly db: Database | null,
    private readonly lifecycle: ServiceLifecycle,
  ) {}

  onModuleInit(): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') this.natsCut = `disconnected from ${s.server}, reconnecting`;
        else if (s.type === 'reconnect') this.natsCut = undefined;
      }
    })();
  }

  /** The first of Nest's stop hooks: not ready from before any runner starts to stop. */
  onModuleDestroy(): void {
    this.stopping = true;
  }

  async check(): Promise<ReadinessReport> {
    const nats = this.nc.isClosed() ? 'connection closed' : (this.natsCut ?? 'ok');
    const database = this.db ? await this.pingDatabase(this.db) : undefined;
    const lifecycle = this.stopping ? 'stopping' : 'ok';
    const checks = { nats, ...(database === undefined ? {} : { database }), modules: this.modulesCheck(), lifecycle };
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  }

  /** Modules whose start failed in the background: they never run until the process restarts. */
  failedModules(): string[] {
    return this.lifecycle.heldModules().failed;
  }

  private modulesCheck(): string {
    const { waiting, failed } = this.lifecycle.heldModules();
    return [...failed, ...waiting].join('; ') || 'ok';
  }

  private async pingDatabase(db: Database): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>(
      (resolve) => (timer = setTimeout(() => resolve(`no answer within ${DATABASE_CHECK_MS} ms`), DATABASE_CHECK_MS)),
    );
    const answer = db.query('SELECT 1').then(
      () => 'ok',
      (err: unknown) => `unreachable: ${err instanceof Error ? err.message : String(err)}`,
    );
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
