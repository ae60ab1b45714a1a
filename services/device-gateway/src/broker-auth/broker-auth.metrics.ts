import { Counter, register } from 'prom-client';

const name = 'keelson_broker_auth_decisions_total';

/** Connections the auth callout admitted or refused, by reason; one counter per process. */
export function brokerAuthDecisions(): Counter<'outcome' | 'reason'> {
  const existing = register.getSingleMetric(name) as Counter<'outcome' | 'reason'> | undefined;
  return (
    existing ??
    new Counter({ name, help: 'Device connections the broker auth callout admitted or refused', labelNames: ['outcome', 'reason'] })
  );
}
