import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { ProjectionRunner, ReactorRunner, type WriteFence } from '@keelson/event-store';
import type { Database } from '@keelson/postgres';
import type { ServiceConfig } from '../config.js';
import { describeError } from './describe-error.js';
import type { DeclaredWorker, ProjectionDeclaration, ReactorDeclaration, Worker } from './module-declaration.js';
import { RunnerLeases } from '../lease/runner-leases.js';
import type { LeaseTiming } from '../lease/runner-lease.js';

/**
 * Turns a module's declared workers, projections and reactors into what the `ServiceRunner` starts
 * and stops: each in the replica mode it declares, a single-active one under a lease of its own
 * (named after what it runs) whose fence guards a projection's writes.
 */
export class DeclaredRunners {
  private readonly leases: RunnerLeases;

  constructor(
    private readonly nc: NatsConnection,
    private readonly config: ServiceConfig,
    leaseTiming?: LeaseTiming,
  ) {
    const logger = new Logger('leases');
    const onError = (err: unknown) => logger.error(describeError(err));
    this.leases = new RunnerLeases({
      nc,
      config,
      log: (line) => logger.log(line),
      onError,
      ...(leaseTiming ? { timing: leaseTiming } : {}),
    });
  }

  /** A single-active worker runs under a lease of its own, named after its module and itself. */
  worker(module: string, w: DeclaredWorker): Worker {
    if (w.replicas !== 'single-active') return w;
    return this.leases.singleActive(w.name, `${this.config.naming.streamPrefix}worker-${module}-${w.name}`, () => w);
  }

  /** A projection into `db`, its errors logged by the module's `logger` before its own `onError`. */
  projection(logger: Logger, db: Database, p: ProjectionDeclaration<unknown>): Worker {
    const onError = (err: unknown) => {
      logger.error(`${p.name}: ${describeError(err)}`);
      p.onError?.(err);
    };
    const { nc, config } = this;
    const run = (fence?: WriteFence): Worker => {
      const runner = new ProjectionRunner({
        nc,
        naming: config.naming,
        db,
        projection: p.projection,
        onError,
        ...(p.batchSize ? { batchSize: p.batchSize } : {}),
        ...(fence ? { fence } : {}),
      });
      return { name: p.name, start: () => runner.start(), stop: () => runner.stop() };
    };
    if (p.replicas === 'partitioned') return run();
    return this.leases.singleActive(p.name, `${config.naming.streamPrefix}proj-${p.projection.name}`, run);
  }

  /** A reactor, its errors (and poison messages, unless it takes them) logged by the module's `logger` unless it logs them itself. */
  reactor(logger: Logger, r: ReactorDeclaration<unknown>): Worker {
    const onError = r.onError ?? ((err: unknown) => logger.error(`${r.name}: ${describeError(err)}`));
    const { nc, config } = this;
    const options = {
      ...(r.partitionBy ? { partitionBy: r.partitionBy } : {}),
      ...(r.batchSize ? { batchSize: r.batchSize } : {}),
      ...(r.retryDelayMs ? { retryDelayMs: r.retryDelayMs } : {}),
    };
    const run = (fence?: WriteFence): Worker => {
      const runner = new ReactorRunner({
        nc,
        naming: config.naming,
        reactor: r.reactor,
        onError,
        onPoison: r.onPoison ?? onError,
        ...options,
        ...(fence ? { fence } : {}),
      });
      return { name: r.name, start: () => runner.start(), stop: () => runner.stop() };
    };
    if (r.replicas === 'partitioned') return run();
    return this.leases.singleActive(r.name, `${config.naming.streamPrefix}react-${r.reactor.name}`, run);
  }
}
