import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { fastDeviceReportedProgress } from '../device/device-events.fast.js';
import { DeviceReportedProgress, parseDeviceEvent } from '../device/device-events.js';
import { fastDeviceOutcomeRecorded } from '../rollout/rollout-events.fast.js';
import { DeviceOutcomeRecorded, parseRolloutEvent } from '../rollout/rollout-events.js';
import { fastDesiredState, fastDeviceProgress, fastDeviceReport } from '../device-protocol/device-messages.fast.js';
import { DesiredState, DeviceProgress, DeviceReport, parseDeviceMessage } from '../device-protocol/device-messages.js';
import { drawDesired, drawDesiredOneOff } from '../test-support/desired-state-inputs.js';
import { drawDeviceProgress, drawOutcome, drawProgress, drawReport } from '../test-support/device-report-inputs.js';
import { Inputs, seeded } from '../test-support/generated-inputs.js';
import type { FastPath } from './fast-path.js';

/** Over `count` generated inputs: what the fast path reads, zod reads to the same value (same keys in the same order); what zod refuses, it refuses. */
function compare<M>(
  fast: FastPath<M>,
  schema: z.ZodType<M>,
  parse: (raw: unknown) => unknown,
  make: (inputs: Inputs) => unknown,
  count: number,
) {
  const inputs = new Inputs(seeded(count));
  const tally = { fast: 0, zodOnly: 0, refused: 0 };
  for (let i = 0; i < count; i++) {
    const raw = make(inputs);
    const mine = fast(raw);
    const theirs = schema.safeParse(raw);
    if (mine !== undefined) {
      tally.fast++;
      if (!theirs.success || !isDeepStrictEqual(mine, theirs.data) || JSON.stringify(mine) !== JSON.stringify(theirs.data)) {
        throw new Error(
          `input ${i}: the fast path read ${JSON.stringify(mine)}, zod ${theirs.success ? JSON.stringify(theirs.data) : 'refused it'}: ${JSON.stringify(raw)}`,
        );
      }
      expect(parse(raw)).toStrictEqual(theirs.data);
    } else if (theirs.success) tally.zodOnly++;
    else tally.refused++;
  }
  return tally;
}

describe('the hand-checked fast paths against their zod schemas, over generated inputs', () => {
  it('DeviceReportedProgress v2: reads only what zod reads, to the same value', () => {
    const tally = compare(fastDeviceReportedProgress, DeviceReportedProgress, parseDeviceEvent, drawProgress, 8_000);
    expect(tally.fast).toBeGreaterThan(800); // the valid messages do take the fast path ...
    expect(tally.refused).toBeGreaterThan(800); // ... and plenty of invalid ones were tried
  });

  it('DeviceOutcomeRecorded v1: reads only what zod reads, to the same value', () => {
    const tally = compare(fastDeviceOutcomeRecorded, DeviceOutcomeRecorded, parseRolloutEvent, drawOutcome, 8_000);
    expect(tally.fast).toBeGreaterThan(800);
    expect(tally.refused).toBeGreaterThan(800);
  });

  it('DeviceProgress v1: reads only what zod reads, to the same value', () => {
    const tally = compare(fastDeviceProgress, DeviceProgress, parseDeviceMessage, drawDeviceProgress, 8_000);
    expect(tally.fast).toBeGreaterThan(800);
    expect(tally.refused).toBeGreaterThan(800);
  });

  it('DeviceReport v2: reads only what zod reads, to the same value', () => {
    const tally = compare(fastDeviceReport, DeviceReport, parseDeviceMessage, drawReport, 8_000);
    expect(tally.fast).toBeGreaterThan(800);
    expect(tally.refused).toBeGreaterThan(800);
  });

  it('DesiredState v1: reads only what zod reads, to the same value (an http probe left to zod)', () => {
    // An assignment has a dozen fields that may each be spoilt: fewer inputs are valid than above.
    const tally = compare(fastDesiredState, DesiredState, parseDeviceMessage, drawDesired, 4_000);
    expect(tally.fast).toBeGreaterThan(250);
    expect(tally.refused).toBeGreaterThan(800);
    const oneOff = compare(fastDesiredState, DesiredState, parseDeviceMessage, drawDesiredOneOff, 3_000);
    expect(oneOff.fast).toBeGreaterThan(600);
    expect(oneOff.refused).toBeGreaterThan(600);
  });

  it('leaves the refusal to zod: a bad message gets the same error through the registry', () => {
    const bad = {
      type: 'DeviceOutcomeRecorded',
      schemaVersion: 1,
      data: { fleet: 'plant-7', rolloutId: 'r-1', deviceId: 'Bad.Id', assignmentId: 'a-1', state: 'healthy' },
    };
    expect(() => parseRolloutEvent(bad)).toThrow(
      expect.objectContaining({ code: 'message.invalid', issues: [expect.objectContaining({ path: ['data', 'deviceId'] })] }),
    );
  });
});
