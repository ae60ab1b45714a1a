import { gateway } from '@keelson/requests';

/**
 * A selector's clauses as conditions on the `devices` read model (`labels` and `hardware` jsonb),
 * each one AND-ed on, with their values as parameters numbered from `firstParam`. They mean what
 * the clauses say (`gateway.SelectorClause`): `->>` is NULL for an attribute the device does not
 * report, which no `=` matches and every `!=` does (IS DISTINCT FROM); an ordered comparison reads
 * the attribute as a number only when it is written as one, and compares as doubles, like a JS
 * `Number` (a label never holds more than 255 characters, so it never overflows one).
 */
export function selectorConditions(clauses: gateway.SelectorClause[], firstParam: number): { sql: string; params: string[] } {
  const params: string[] = [];
  const param = (value: string) => {
    params.push(value);
    return `$${firstParam + params.length - 1}::text`;
  };
  const numberPattern = clauses.some((c) => c.op !== '=' && c.op !== '!=') ? param(gateway.selectorNumber.source) : '';
  const conditions = clauses.map((c) => {
    const attribute = `(${c.source === 'label' ? 'labels' : 'hardware'} ->> ${param(c.key)})`;
    if (c.op === '=') return `${attribute} = ${param(c.value)}`;
    if (c.op === '!=') return `${attribute} IS DISTINCT FROM ${param(c.value)}`;
    return `CASE WHEN ${attribute} ~ ${numberPattern} THEN ${attribute}::float8 ${c.op} ${param(c.value)}::float8 ELSE false END`;
  });
  return { sql: conditions.map((c) => ` AND ${c}`).join(''), params };
}
