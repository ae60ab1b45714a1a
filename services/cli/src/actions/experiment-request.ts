import { usageError } from '../cli-io.js';
import type { Action } from '../action.js';
import { probeOf, strategyOf, type RolloutFlags } from './rollout-request.js';

/** The flags of `experiment create` as parseArgs hands them over (the probe flags are rollout create's). */
export type ExperimentFlags = RolloutFlags & {
  candidate?: string;
  baseline?: string;
  split?: string;
  primary?: string;
  guardrail?: string[];
  'min-samples'?: string;
  'max-duration'?: string;
  'on-success'?: string;
  'then-rollout'?: boolean;
  alpha?: string;
};

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `2h`, `1d` or plain seconds, as whole seconds. */
export function durationSecondsOf(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw usageError(`--max-duration takes a duration such as 90s, 30m, 2h or 1d, got '${text}'`);
  return Number(match[1]) * units[match[2] || 's']!;
}

function need(
  flags: ExperimentFlags,
  name: 'candidate' | 'baseline' | 'group' | 'split' | 'primary' | 'min-samples' | 'max-duration',
): string {
  const value = flags[name];
  if (!value) throw usageError(`experiment create needs --${name}`);
  return value;
}

function whole(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw usageError(`--${flag} must be a whole number, got '${value}'`);
  return Number(value);
}

/** `--on-success promote:CHANNEL` and `--then-rollout --waves 25,100`: what a promotion does. */
function onSuccessOf(flags: ExperimentFlags): Record<string, unknown> {
  const spec = flags['on-success'];
  const match = spec === undefined ? null : /^promote:([a-z][a-z0-9-]{0,31})$/.exec(spec);
  if (spec !== undefined && !match) throw usageError(`--on-success takes promote:CHANNEL, got '${spec}'`);
  if (!flags['then-rollout'] && flags.waves) throw usageError('--waves is the follow-up rollout of --then-rollout');
  return {
    ...(match ? { promote: match[1] } : {}),
    ...(flags['then-rollout'] ? { thenRollout: { strategy: strategyOf({ ...flags, waves: flags.waves ?? '100' }) } } : {}),
  };
}

/** The body of `POST /v1/experiments`. */
export function experimentRequestOf(flags: ExperimentFlags): Record<string, unknown> {
  const alpha = flags.alpha === undefined ? undefined : Number(flags.alpha);
  if (alpha !== undefined && !Number.isFinite(alpha)) throw usageError(`--alpha must be a number, got '${flags.alpha}'`);
  return {
    candidate: need(flags, 'candidate'),
    baseline: need(flags, 'baseline'),
    group: need(flags, 'group'),
    split: whole('split', need(flags, 'split')),
    primary: need(flags, 'primary'),
    guardrails: flags.guardrail ?? [],
    minSamples: whole('min-samples', need(flags, 'min-samples')),
    maxDurationSeconds: durationSecondsOf(need(flags, 'max-duration')),
    probe: probeOf(flags),
    onSuccess: onSuccessOf(flags),
    ...(alpha === undefined ? {} : { alpha }),
  };
}

/** The options `experiment create` takes. */
export const experimentCreateOptions: Action['options'] = {
  ...Object.fromEntries(
    [
      'candidate',
      'baseline',
      'group',
      'split',
      'primary',
      'min-samples',
      'max-duration',
      'on-success',
      'waves',
      'alpha',
      'probe',
      'probe-timeout',
      'probe-attempts',
      'probe-delay',
    ].map((o) => [o, { type: 'string' as const }]),
  ),
  guardrail: { type: 'string', multiple: true },
  'probe-arg': { type: 'string', multiple: true },
  'then-rollout': { type: 'boolean' },
};
