import { assignmentsOf, inOrder, isReason, isTraceparent, stepTimesOf, strictFields, type Fields } from '@keelson/events/device-protocol';
import type { AgentState } from './agent-state.schema.js';

// The journal's rules (agent-state.schema.ts) by hand, for the read at every start: a journal this
// check vouches for is taken as is, with the value zod would give; anything else (an http probe, an
// unknown field, a damaged file) goes to zod, which keeps the last word and its error messages.

const stateKeys = ['schemaVersion', 'seenGeneration', 'appliedGeneration', 'assignments', 'versions'];
const recordKeys = ['assignment', 'phase', 'swap', 'containerStep', 'swappedAt', 'outcome', 'reason', 'steps', 'traceparent'];
const swapKeys = ['fromCurrent', 'fromPrevious', 'to'];
const keptKeys = ['sha256', 'length', 'basename'];
const stateKeySet: ReadonlySet<string> = new Set(stateKeys);
const recordKeySet: ReadonlySet<string> = new Set(recordKeys);
const swapKeySet: ReadonlySet<string> = new Set(swapKeys);
const keptKeySet: ReadonlySet<string> = new Set(keptKeys);
const phases: ReadonlySet<unknown> = new Set(['pending', 'downloading', 'verifying', 'applying', 'probing', 'rolling_back', 'done']);
const outcomes: ReadonlySet<unknown> = new Set(['healthy', 'rolled_back', 'failed']);
const containerSteps: ReadonlySet<unknown> = new Set(['swapping', 'committed']);
const sha256Hex = /^[0-9a-f]{64}$/;

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPlainRecord = (v: unknown): v is Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.hasOwn(v, '__proto__');

/** Each value of a plain object through `read`, or undefined as soon as one cannot be vouched for. */
function recordOf(raw: unknown, read: (value: unknown) => Fields | undefined): Fields | undefined {
  if (!isPlainRecord(raw)) return undefined;
  const out: Fields = {};
  for (const [key, value] of Object.entries(raw)) {
    const read_ = read(value);
    if (!read_) return undefined;
    out[key] = read_;
  }
  return out;
}

function swapOf(raw: unknown): Fields | undefined {
  const s = strictFields(raw, swapKeySet);
  if (!s || !swapKeys.every((k) => k in s && (s[k] === null || typeof s[k] === 'string'))) return undefined;
  return inOrder(s, swapKeys);
}

function assignmentRecordOf(raw: unknown): Fields | undefined {
  const r = strictFields(raw, recordKeySet);
  const [assignment] = (r && assignmentsOf([r['assignment']], 1)) ?? [];
  if (!r || !assignment || !phases.has(r['phase'])) return undefined;
  if ('swappedAt' in r && typeof r['swappedAt'] !== 'string') return undefined;
  if ('containerStep' in r && !containerSteps.has(r['containerStep'])) return undefined;
  if (
    ('outcome' in r && !outcomes.has(r['outcome'])) ||
    ('reason' in r && !isReason(r['reason'])) ||
    ('traceparent' in r && !isTraceparent(r['traceparent']))
  )
    return undefined;
  const out = inOrder({ ...r, assignment }, recordKeys);
  if ('swap' in r && !(out['swap'] = swapOf(r['swap']))) return undefined;
  if ('steps' in r && !(out['steps'] = stepTimesOf(r['steps']))) return undefined;
  return out;
}

function keptVersionOf(raw: unknown): Fields | undefined {
  const k = strictFields(raw, keptKeySet);
  if (!k || typeof k['sha256'] !== 'string' || !sha256Hex.test(k['sha256']) || !isCount(k['length'])) return undefined;
  return typeof k['basename'] === 'string' && k['basename'].length > 0 ? inOrder(k, keptKeys) : undefined;
}

/** The journal when sure it is valid, with the value `AgentState.parse` would return, or undefined. */
export function fastAgentState(raw: unknown): AgentState | undefined {
  const s = strictFields(raw, stateKeySet);
  if (!s || s['schemaVersion'] !== 1 || !isCount(s['seenGeneration']) || !isCount(s['appliedGeneration'])) return undefined;
  const assignments = recordOf(s['assignments'], assignmentRecordOf);
  const versions = assignments && recordOf(s['versions'], (byVersion) => recordOf(byVersion, keptVersionOf));
  return versions && ({ ...inOrder(s, stateKeys), assignments, versions } as AgentState);
}
