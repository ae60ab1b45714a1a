import { Gauge, register } from 'prom-client';

/**
 * `keelson_runner_lease_held{service,runner}`: 1 while this process holds the runner's lease, else
 * 0. Summed over replicas it is 1 for a runner that runs; the "no leader for a projection" alert is
 * written against this name.
 */
export function leaseHeldGauge(): Gauge<'service' | 'runner'> {
  const name = 'keelson_runner_lease_held';
  const help = 'Whether this process holds the lease of a single-active runner (1) or stands by (0)';
  return (
    (register.getSingleMetric(name) as Gauge<'service' | 'runner'> | undefined) ??
    new Gauge({ name, help, labelNames: ['service', 'runner'] })
  );
}
