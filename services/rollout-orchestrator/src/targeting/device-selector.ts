import { InvalidInput } from '@keelson/domain-kit';
import type { DeviceHardware } from '@keelson/events';

/** The comparison of one selector clause. */
export type SelectorOperator = '=' | '!=' | '>=' | '<=' | '>' | '<';

/** One clause: a label or a hardware field compared with a value. */
export interface SelectorClause {
  source: 'label' | 'hardware';
  key: string;
  op: SelectorOperator;
  value: string;
}

/** What a selector is matched against: a device's labels and the hardware profile it reported. */
export interface SelectorSubject {
  labels: Record<string, string>;
  hardware: DeviceHardware;
}

const hardwareFields = { accelerator: 'text', memoryMb: 'number', architecture: 'text' } as const;
type HardwareField = keyof typeof hardwareFields;
const isHardwareField = (k: string): k is HardwareField => Object.hasOwn(hardwareFields, k);
// Longest operators first, so `>=` is not read as `>` followed by `=value`.
const clausePattern = /^([A-Za-z0-9][A-Za-z0-9._/-]{0,80})\s*(!=|>=|<=|=|>|<)\s*(.+)$/;
const numeric = /^-?[0-9]+(\.[0-9]+)?$/;

const invalid = (index: number, clause: string, message: string) =>
  new InvalidInput('selector.invalid', [{ path: ['selector', index], message: `clause ${index + 1} '${clause}': ${message}` }]);

function keyOf(raw: string, index: number, clause: string): Pick<SelectorClause, 'source' | 'key'> {
  if (raw.startsWith('labels.')) return { source: 'label', key: raw.slice('labels.'.length) };
  if (raw.startsWith('hardware.')) {
    const field = raw.slice('hardware.'.length);
    if (!isHardwareField(field)) throw invalid(index, clause, `unknown hardware field '${field}' (known: ${Object.keys(hardwareFields).join(', ')})`);
    return { source: 'hardware', key: field };
  }
  // A bare key is a hardware field when it names one, a label otherwise (`labels.accelerator` reaches such a label).
  return isHardwareField(raw) ? { source: 'hardware', key: raw } : { source: 'label', key: raw };
}

/**
 * Parses `key op value[, key op value…]`, e.g. `accelerator=jetson-orin, memoryMb>=8000, site!=lab`.
 * Keys are labels, or the hardware fields `accelerator`, `memoryMb`, `architecture` (prefix
 * `labels.` or `hardware.` to be explicit). `>= <= > <` compare numbers. Every clause must hold.
 * Throws `InvalidInput` (`selector.invalid`) naming the clause at fault.
 */
export function parseSelector(text: string): SelectorClause[] {
  const parts = text.split(',').map((p) => p.trim());
  return parts.map((clause, index) => {
    if (clause === '') throw invalid(index, clause, 'empty clause (a stray comma?)');
    const match = clausePattern.exec(clause);
    if (!match) throw invalid(index, clause, 'expected <key><op><value> with op one of = != >= <= > <');
    const [, rawKey, op, rawValue] = match as unknown as [string, string, SelectorOperator, string];
    const value = rawValue.trim();
    if (/^(=|!=|>=|<=|>|<)/.test(value)) throw invalid(index, clause, `value '${value}' starts with an operator`);
    const { source, key } = keyOf(rawKey, index, clause);
    const isOrder = op !== '=' && op !== '!=';
    if (isOrder && !numeric.test(value)) throw invalid(index, clause, `'${op}' compares numbers; '${value}' is not one`);
    if (source === 'hardware' && hardwareFields[key as HardwareField] === 'number' && !numeric.test(value)) {
      throw invalid(index, clause, `${key} is a number; '${value}' is not one`);
    }
    if (source === 'hardware' && hardwareFields[key as HardwareField] === 'text' && isOrder) {
      throw invalid(index, clause, `${key} is text; use = or !=`);
    }
    return { source, key, op, value };
  });
}

function holds(clause: SelectorClause, subject: SelectorSubject): boolean {
  const raw = clause.source === 'label' ? subject.labels[clause.key] : subject.hardware[clause.key as HardwareField];
  // A device that does not report the attribute never equals a value, and so differs from every value.
  if (raw === undefined) return clause.op === '!=';
  const actual = String(raw);
  if (clause.op === '=') return actual === clause.value;
  if (clause.op === '!=') return actual !== clause.value;
  if (!numeric.test(actual)) return false; // a label that is not a number is not ordered
  const [a, b] = [Number(actual), Number(clause.value)];
  return clause.op === '>=' ? a >= b : clause.op === '<=' ? a <= b : clause.op === '>' ? a > b : a < b;
}

/** Whether every clause of the selector holds for the device. */
export function matchesSelector(clauses: SelectorClause[], subject: SelectorSubject): boolean {
  return clauses.every((c) => holds(c, subject));
}
