/**
 * How many refusals a flood may log one by one each minute; past that, a refusal log counts them
 * into a summary instead. Keeps an attacker from growing the audit trail without bound while every
 * attempt is still counted.
 */
export class MinuteBudget {
  private windowStart = 0;
  private used = 0;

  constructor(private readonly perMinute: number) {}

  /** True while the minute that `at` falls in has budget left (and takes one from it). */
  take(at: Date): boolean {
    if (at.getTime() - this.windowStart >= 60_000) [this.windowStart, this.used] = [at.getTime(), 0];
    if (this.used >= this.perMinute) return false;
    this.used++;
    return true;
  }
}
