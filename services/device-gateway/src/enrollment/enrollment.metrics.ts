import { Counter, register } from 'prom-client';

const name = 'keelson_enrollments_total';

/** Enrollment attempts by outcome and refusal reason; one counter per process. */
export function enrollmentAttempts(): Counter<'outcome' | 'reason'> {
  const existing = register.getSingleMetric(name) as Counter<'outcome' | 'reason'> | undefined;
  return existing ?? new Counter({ name, help: 'Device enrollment attempts by outcome', labelNames: ['outcome', 'reason'] });
}
