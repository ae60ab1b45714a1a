const terminal = new Set(['healthy', 'rolled_back', 'failed']);

/**
 * When each device first sent each state of each rollout (`performance.now()` of the bench's main
 * thread), fed by the simulated fleet's reports, in this thread or from the fleet's workers.
 */
export class ReportLog {
  private readonly seen = new Map<string, Set<string>>();
  private readonly times = new Map<string, Map<string, number[]>>();
  private readonly terminal = new Map<string, Map<string, number>>();
  private count = 0;

  record(rolloutId: string, deviceId: string, state: string, at: number): void {
    this.count++;
    const key = `${rolloutId}\0${state}`;
    const seen = this.seen.get(key) ?? this.seen.set(key, new Set()).get(key)!;
    if (!seen.has(deviceId)) {
      seen.add(deviceId);
      const byState = this.stateTimes(rolloutId);
      if (!this.times.has(rolloutId)) this.times.set(rolloutId, byState);
      (byState.get(state) ?? byState.set(state, []).get(state)!).push(at);
    }
    const ended = this.terminalAt(rolloutId);
    if (!this.terminal.has(rolloutId)) this.terminal.set(rolloutId, ended);
    if (terminal.has(state) && !ended.has(deviceId)) ended.set(deviceId, at);
  }

  /** Each device's first terminal report of the rollout, by device id. */
  terminalAt(rolloutId: string): Map<string, number> {
    return this.terminal.get(rolloutId) ?? new Map();
  }

  /** Every device's first report of each state, by state. */
  stateTimes(rolloutId: string): Map<string, number[]> {
    return this.times.get(rolloutId) ?? new Map();
  }

  reportsSent(): number {
    return this.count;
  }
}
