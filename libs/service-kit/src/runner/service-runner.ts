import { Logger } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, retireProjections, waitForStream } from '@keelson/event-store';
import { migrate, type Database } from '@keelson/postgres';
import type { ServiceConfig } from '../config.js';
import { contractsOf } from '../requests/request-pattern.js';
import type { RequestServer } from '../requests/request-server.js';
import { describeError, ModuleStartError } from './describe-error.js';
import type { DeclaredWorker, ModuleDeclaration, ProjectionDeclaration, ReactorDeclaration, Worker } from './module-declaration.js';
import { requireDatabase } from './require-database.js';
import { DeclaredRunners } from './declared-runners.js';
import type { LeaseTiming } from '../lease/runner-lease.js';
import { streamReplicasOf } from './stream-replicas.js';

export interface ServiceRunnerOptions {
  nc: NatsConnection;
  config: ServiceConfig;
  db: Database | null;
  /** In the order they start; they stop in the reverse one. */
  modules: ModuleDeclaration[];
  /** The transport of the modules' `requestControllers` (the app's, from `createServiceApp`). */
  requestServer?: RequestServer;
  /** How often a missing foreign stream is looked for again. */
  pollMs?: number;
  /** The leases of single-active runners (default `LEASE_TIMING`). */
  leaseTiming?: LeaseTiming;
}

/** What runs in one module, by kind, in start order. */
type Started = Record<(typeof kinds)[number], Array<{ stop(): Promise<void> | void }>>;
const kinds = ['connections', 'projections', 'reactors', 'requests'] as const;

/**
 * Starts the modules of a service from their declarations in one order: streams, migrations,
 * connections, projections, reactors, request handlers (each step for every module before the next
 * step), and stops them in the reverse order. A failing step stops the start with a `ModuleStartError`.
 */
export class ServiceRunner {
  private readonly started = new Map<ModuleDeclaration, Started>();
  private readonly waiting: Promise<void>[] = [];
  private readonly abort = new AbortController();
  private readonly loggers = new Map<ModuleDeclaration, Logger>();
  /** Modules not running yet, or never: what each waits for, or how it failed. */
  private readonly held = new Map<ModuleDeclaration, { waiting?: string; failed?: string }>();

  private readonly runners: DeclaredRunners;

  constructor(private readonly o: ServiceRunnerOptions) {
    this.runners = new DeclaredRunners(o.nc, o.config, o.leaseTiming);
    for (const m of o.modules) {
      this.loggers.set(m, new Logger(m.module));
      this.started.set(m, { connections: [], projections: [], reactors: [], requests: [] });
    }
  }

  /** Applies the owned streams (with the configured replicas), then runs the migrations, of every module. */
  async prepare(): Promise<void> {
    const { nc, config, modules } = this.o;
    if (!modules.some((m) => m.streams?.length || m.applyOtherStreams)) return this.migrateAll();
    const jsm = await jetstreamManager(nc);
    const replicas = streamReplicasOf(config);
    for (const m of modules) {
      if (m.streams?.length) await this.step(m, 'streams', () => applyStreams(jsm, config.naming, m.streams!, { replicas }));
      if (m.applyOtherStreams) await this.step(m, 'streams', () => m.applyOtherStreams!(jsm, replicas));
    }
    await this.migrateAll();
  }

  private async migrateAll(): Promise<void> {
    for (const m of this.o.modules) {
      if (m.migrations?.length) await this.step(m, 'migrations', () => migrate(this.databaseOf(m), m.migrations!));
      if (m.retiredProjections?.length) await this.step(m, 'retired projections', () => this.retire(m));
    }
  }

  /** Opens connections, starts projections, then reactors, then request handlers; a module that needs foreign streams starts once they exist. */
  async start(): Promise<void> {
    const ready = this.o.modules.filter((m) => !m.needs?.length);
    try {
      for (const kind of kinds) for (const m of ready) await this.startKind(m, kind);
    } catch (err) {
      await this.stop();
      throw err;
    }
    for (const m of this.o.modules.filter((m) => m.needs?.length)) this.waiting.push(this.startOnceStreamsExist(m));
  }

  /**
   * Modules that started in the background and are not running: `failed` names those whose start
   * failed (they never run until the process restarts), `waiting` those still waiting for a stream.
   */
  heldModules(): { waiting: string[]; failed: string[] } {
    const held = [...this.held.values()];
    return { waiting: held.flatMap((h) => (h.waiting ? [h.waiting] : [])), failed: held.flatMap((h) => (h.failed ? [h.failed] : [])) };
  }

  /** Stops waiting, then request handlers, reactors and projections, then closes connections, each module's in reverse start order. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.waiting);
    const modules = [...this.o.modules].reverse();
    for (const kind of [...kinds].reverse()) {
      await Promise.all(
        modules.map(async (m) => {
          for (const s of [...this.started.get(m)![kind]].reverse()) await s.stop();
          this.started.get(m)![kind] = [];
        }),
      );
    }
  }

  private async startOnceStreamsExist(m: ModuleDeclaration): Promise<void> {
    const logger = this.loggers.get(m)!;
    try {
      for (const { stream, owner } of m.needs!) {
        const name = `${this.o.config.naming.streamPrefix}${stream.name}`;
        this.held.set(m, { waiting: `${m.module}: waiting for ${name}` });
        const waitLine = () => logger.warn(`waiting for ${name} (the ${owner} declares it)`);
        if (!(await waitForStream(this.o.nc, name, this.abort.signal, waitLine, this.o.pollMs))) return;
      }
      this.held.set(m, { waiting: `${m.module}: starting` });
      for (const kind of kinds) await this.startKind(m, kind);
      this.held.delete(m);
    } catch (err) {
      const failure = err instanceof ModuleStartError ? err : new ModuleStartError(m.module, 'waiting for streams', err);
      this.held.set(m, { failed: failure.message });
      logger.error(`${failure.message} (the service stays up, not ready and not healthy: restart it)`);
    }
  }

  private async startKind(m: ModuleDeclaration, kind: (typeof kinds)[number]): Promise<void> {
    const started = this.started.get(m)![kind];
    if (kind === 'requests') return this.serveRequests(m, started);
    for (const entry of m[kind] ?? []) {
      const what = 'start' in entry ? `'${entry.name}'` : `${kind === 'projections' ? 'projection' : 'reactor'} '${entry.name}'`;
      started.push(
        await this.step(m, what, async () => {
          // A connection serves this replica's own runners: it opens in every replica.
          const runner =
            kind === 'connections'
              ? (entry as Worker)
              : 'start' in entry
                ? this.runners.worker(m.module, entry as DeclaredWorker)
                : kind === 'projections'
                  ? this.projectionOf(m, entry as ProjectionDeclaration<unknown>)
                  : this.runners.reactor(this.loggers.get(m)!, entry as ReactorDeclaration<unknown>);
          await runner.start();
          return runner;
        }),
      );
    }
  }

  /** Serves the module's `requestControllers` through the `RequestServer`, registered before the service says it is listening. */
  private async serveRequests(m: ModuleDeclaration, started: Started['requests']): Promise<void> {
    if (!m.requestControllers?.length) return;
    const logger = this.loggers.get(m)!;
    const onError = (err: unknown, subject: string) => logger.error(`${subject}: ${describeError(err)}`);
    const contracts = m.requestControllers.flatMap(contractsOf);
    started.push(
      await this.step(m, 'requests', async () => {
        if (!this.o.requestServer) throw new Error('the service has no RequestServer (InfrastructureModule) for its request controllers');
        return this.o.requestServer.serve(contracts, onError);
      }),
    );
    await this.step(m, 'requests', () => this.o.nc.flush());
  }

  /** A projection writes to its own database if it names one, else to the service's (which the module must have). */
  private projectionOf(m: ModuleDeclaration, p: ProjectionDeclaration<unknown>): Worker {
    return this.runners.projection(this.loggers.get(m)!, p.db ?? this.databaseOf(m), p);
  }

  private async retire(m: ModuleDeclaration): Promise<void> {
    const retired = await retireProjections(this.o.nc, this.o.config.naming, this.databaseOf(m), m.retiredProjections!);
    for (const consumer of retired)
      this.loggers.get(m)!.log(`deleted the consumer ${consumer} of a projection this release no longer runs`);
  }

  /** The database guard: a module with tables cannot run without the service's database. */
  private databaseOf(m: ModuleDeclaration): Database {
    return requireDatabase(this.o.db, this.o.config.service, m.database ?? `the ${m.module} module keeps tables there`);
  }

  private async step<T>(m: ModuleDeclaration, step: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new ModuleStartError(m.module, step, err);
    }
  }
}
