export { DomainError, RuleViolation, NotFound, ConcurrencyError, InvalidInput, isDomainError, type InputIssue } from './errors.js';
export { assertNever } from './assert-never.js';
export { type Decider, type Decision, decideAndEvolve, fold } from './decider.js';
export { given, type Then } from './given-when-then.js';
