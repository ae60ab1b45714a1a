import { usageError } from '../cli-io.js';

/** The flags of `rollout create` as parseArgs hands them over. */
export interface RolloutFlags {
  artifact?: string;
  group?: string;
  /** Device names, repeatable or comma-separated: one device needs no group. */
  device?: string[];
  selector?: string;
  'on-misfit'?: string;
  /** The reason for taking devices over from another active rollout of the same artifact name. */
  supersede?: string;
  waves?: string;
  gates?: string;
  probe?: string;
  /** Arguments of an exec probe, one per flag, in order. */
  'probe-arg'?: string[];
  'probe-timeout'?: string;
  'probe-attempts'?: string;
  'probe-delay'?: string;
  'max-failures'?: string;
  'max-failure-percent'?: string;
  'min-finished'?: string;
  'max-concurrent'?: string;
  'device-timeout'?: string;
}

function integer(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value.trim())) throw usageError(`--${flag} must be a whole number, got '${value}'`);
  return Number(value);
}

function required(flags: RolloutFlags, name: 'artifact' | 'probe' | 'waves'): string {
  const value = flags[name];
  if (!value) throw usageError(`rollout create needs --${name}`);
  return value;
}

/**
 * `http:HOST[:PORT]/PATH` (http is assumed), `http:http://…` or `http:https://…`, or a bare
 * `http(s)://…` URL; anything else is a usage error naming the accepted forms.
 */
function httpUrlOf(spec: string, target: string): string {
  const url = /^https?:\/\//i.test(target) ? target : `http://${target}`;
  // `/path` names no host, and `ftp://…` would read as host `ftp` with an empty port.
  const unfit = target.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(target) !== /^https?:\/\//i.test(target);
  if (unfit || !URL.canParse(url) || !new URL(url).hostname) {
    throw usageError(
      `--probe '${spec}' is not an http probe: give http:HOST[:PORT]/PATH (e.g. http:localhost:8080/ready) or http:http(s)://HOST[:PORT]/PATH`,
    );
  }
  return url;
}

/**
 * `file:PATH`, `exec:PATH` (with `--probe-arg`, repeatable: the binary's arguments, passed as they
 * are; there is no shell) or `http:URL` (see httpUrlOf), with timing; ranges are the API's to check.
 */
export function probeOf(flags: RolloutFlags): Record<string, unknown> {
  const spec = required(flags, 'probe');
  const timing = {
    timeoutSeconds: integer('probe-timeout', flags['probe-timeout'], 30),
    attempts: integer('probe-attempts', flags['probe-attempts'], 3),
    initialDelaySeconds: integer('probe-delay', flags['probe-delay'], 0),
  };
  const args = flags['probe-arg'] ?? [];
  const match = /^https?:\/\//i.test(spec) ? ['', 'http', spec] : /^(file|exec|http):(.+)$/.exec(spec);
  if (!match) throw usageError(`--probe must be file:PATH, http:URL or exec:PATH, got '${spec}'`);
  const [, kind, target] = match as [string, string, string];
  if (args.length && kind !== 'exec') throw usageError('--probe-arg is for exec probes only (--probe exec:PATH)');
  if (kind === 'http') return { kind, url: httpUrlOf(spec, target), ...timing };
  return { kind, path: target, ...(args.length ? { args } : {}), ...timing };
}

/** `--waves 10,50,100 --gates manual,auto,auto` as the strategy; every gate is `auto` unless given. */
export function strategyOf(flags: RolloutFlags): Record<string, unknown> {
  const percents = required(flags, 'waves')
    .split(',')
    .map((p) => integer('waves', p, 0));
  const gates = flags.gates ? flags.gates.split(',').map((g) => g.trim()) : percents.map(() => 'auto');
  if (gates.length !== percents.length) throw usageError(`--gates names ${gates.length} gates for ${percents.length} waves`);
  const bad = gates.find((g) => g !== 'auto' && g !== 'manual');
  if (bad !== undefined) throw usageError(`--gates takes auto or manual, got '${bad}'`);
  return {
    waves: percents.map((percent, i) => ({ percent, gate: gates[i] })),
    maxFailures: integer('max-failures', flags['max-failures'], 0),
    ...inFlightOf(flags),
  };
}

/**
 * `--max-failure-percent P --min-finished N` (the failure rate: both or neither), `--max-concurrent N`
 * and `--device-timeout S`, when given; ranges are the API's to check.
 */
function inFlightOf(flags: RolloutFlags): Record<string, unknown> {
  const percent = flags['max-failure-percent'];
  const minFinished = flags['min-finished'];
  if ((percent === undefined) !== (minFinished === undefined)) throw usageError('--max-failure-percent and --min-finished go together');
  if (percent !== undefined && !/^\d+(\.\d+)?$/.test(percent.trim()))
    throw usageError(`--max-failure-percent must be a number, got '${percent}'`);
  const number = (flag: 'max-concurrent' | 'device-timeout') => (flags[flag] === undefined ? undefined : integer(flag, flags[flag], 0));
  const maxConcurrent = number('max-concurrent');
  const deviceTimeoutSeconds = number('device-timeout');
  return {
    ...(percent === undefined
      ? {}
      : { failureRate: { maxPercent: Number(percent), minFinished: integer('min-finished', minFinished, 0) } }),
    ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
    ...(deviceTimeoutSeconds === undefined ? {} : { deviceTimeoutSeconds }),
  };
}

/** Exactly one of `--group`, `--device` (repeatable) and `--selector`. */
export function targetOf(flags: RolloutFlags): Record<string, unknown> {
  const devices = (flags.device ?? [])
    .flatMap((d) => d.split(','))
    .map((d) => d.trim())
    .filter(Boolean);
  const targets = [
    flags.group ? { group: flags.group } : null,
    devices.length ? { devices } : null,
    flags.selector ? { selector: flags.selector } : null,
  ].filter((t) => t !== null);
  if (targets.length !== 1)
    throw usageError("rollout create needs exactly one of --group GROUP, --device NAME (repeatable) or --selector 'key=value, key>=n'");
  return targets[0]!;
}

/** `--on-misfit reject|exclude` and `--supersede REASON`, when given. */
function rulesOf(flags: RolloutFlags): Record<string, unknown> {
  const onMisfit = flags['on-misfit'];
  if (onMisfit !== undefined && onMisfit !== 'reject' && onMisfit !== 'exclude')
    throw usageError(`--on-misfit takes reject or exclude, got '${onMisfit}'`);
  return { ...(onMisfit ? { onMisfit } : {}), ...(flags.supersede ? { supersede: { reason: flags.supersede } } : {}) };
}

/** The body of `POST /v1/rollouts`; `--artifact NAME@VERSION` or `NAME@CHANNEL`. */
export function rolloutRequestOf(flags: RolloutFlags): Record<string, unknown> {
  return {
    artifact: required(flags, 'artifact'),
    ...targetOf(flags),
    probe: probeOf(flags),
    strategy: strategyOf(flags),
    ...rulesOf(flags),
  };
}
