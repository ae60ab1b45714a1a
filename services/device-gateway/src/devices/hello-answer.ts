import { isTerminalDeviceState } from '@keelson/events';
import type { KnownDevice } from './device.js';

/**
 * Whether a device's hello needs the desired state in answer: unless it says it applied the current
 * generation and every assignment in it has a terminal report on record, it may lack the state or
 * may have lost a report (which the answer makes it send again). A device that is up to date gets
 * nothing: it reconnects often (and v1 agents ended every update with a hello), and answering would
 * be one more push and journal write each time.
 */
export function owesDesiredState(device: KnownDevice, helloGeneration: number): boolean {
  if (helloGeneration !== device.generation) return true;
  return device.assignments.some((a) => {
    const report = device.reports[a.assignmentId];
    return !report || !isTerminalDeviceState(report.state);
  });
}
