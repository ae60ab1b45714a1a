import type { ServiceConfig } from './config.js';

export interface NumberSettingRule {
  /** Used when the variable is unset (not when it is empty: an empty value is an error). */
  default: number;
  min: number;
  max: number;
  /** Whole numbers only (the default); false admits decimals such as `0.5`. */
  integer?: boolean;
}

const wholeNumber = /^\d+$/;
const decimal = /^\d+(\.\d+)?$/;

/**
 * A numeric service variable (`KEELSON_…`), or one clear error naming it and its range. Only plain
 * digits are read: `Number()` would take `''` as 0 and ` 12 `, `1e3` or `0x10` as numbers, so a typo
 * could quietly turn a cache off or a limit up. Given `problems`, a reader that reports every problem at
 * once gets the error's text there (without the service's name) and the default back instead of a throw.
 */
export function numberSetting(
  config: Pick<ServiceConfig, 'service' | 'env'>,
  name: string,
  rule: NumberSettingRule,
  problems?: string[],
): number {
  const raw = config.env[name];
  if (raw === undefined) return rule.default;
  const integer = rule.integer ?? true;
  const value = (integer ? wholeNumber : decimal).test(raw) ? Number(raw) : Number.NaN;
  if (value >= rule.min && value <= rule.max) return value;
  const problem = `${name} must be ${integer ? 'a whole number' : 'a number'} from ${rule.min} to ${rule.max}, got '${raw}'`;
  if (!problems) throw new Error(`${config.service}: ${problem}`);
  problems.push(problem);
  return rule.default;
}
