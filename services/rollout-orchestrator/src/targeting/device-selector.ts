import { InvalidInput } from '@keelson/domain-kit';
import { gateway } from '@keelson/requests';

/** The comparison of one selector clause. */
export type SelectorOperator = gateway.SelectorClause['op'];

/** One clause: a label or a hardware field compared with a value; the gateway matches them (`match-devices`). */
export type SelectorClause = gateway.SelectorClause;

const hardwareFields = gateway.selectorHardwareFields;
const isHardwareField = gateway.isSelectorHardwareField;
// Longest operators first, so `>=` is not read as `>` followed by `=value`.
const clausePattern = /^([A-Za-z0-9][A-Za-z0-9._/-]{0,80})\s*(!=|>=|<=|=|>|<)\s*(.+)$/;
const numeric = gateway.selectorNumber;

const invalid = (index: number, clause: string, message: string) =>
  new InvalidInput('selector.invalid', [{ path: ['selector', index], message: `clause ${index + 1} '${clause}': ${message}` }]);

function keyOf(raw: string, index: number, clause: string): Pick<SelectorClause, 'source' | 'key'> {
  if (raw.startsWith('labels.')) return { source: 'label', key: raw.slice('labels.'.length) };
  if (raw.startsWith('hardware.')) {
    const field = raw.slice('hardware.'.length);
    if (!isHardwareField(field))
      throw invalid(index, clause, `unknown hardware field '${field}' (known: ${Object.keys(hardwareFields).join(', ')})`);
    return { source: 'hardware', key: field };
  }
  // A bare key is a hardware field when it names one, a label otherwise (`labels.accelerator` reaches such a label).
  return isHardwareField(raw) ? { source: 'hardware', key: raw } : { source: 'label', key: raw };
}

/**
 * Parses `key op value[, key op value…]`, e.g. `accelerator=jetson-orin, memoryMb>=8000, site!=lab`.
 * Keys are labels, or the hardware fields `accelerator`, `memoryMb`, `architecture` (prefix
 * `labels.` or `hardware.` to be explicit). `>= <= > <` compare numbers. Every clause must hold.
 * Throws `InvalidInput` (`selector.invalid`) naming the clause at fault, before any device is read.
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
    if (source === 'hardware' && hardwareFields[key as gateway.SelectorHardwareField] === 'number' && !numeric.test(value)) {
      throw invalid(index, clause, `${key} is a number; '${value}' is not one`);
    }
    if (source === 'hardware' && hardwareFields[key as gateway.SelectorHardwareField] === 'text' && isOrder) {
      throw invalid(index, clause, `${key} is text; use = or !=`);
    }
    return { source, key, op, value };
  });
}
