import { z } from 'zod';
import { orchestrator } from '@keelson/requests';
import { ChannelName, DisplayName, Probe, Reason, Strategy, SubjectToken } from '@keelson/events';

const nameAtVersion = /^([a-z0-9][a-z0-9._-]{0,99})@([0-9][0-9A-Za-z.+_-]{0,63})$/;

/** `name@version`, the form operators type, or the object form. */
export const VersionSpec = z.union([
  z.string().regex(nameAtVersion, 'must be <name>@<version>'),
  z.strictObject({ name: z.string(), version: z.string() }),
]);

/** The artifact of a request as the orchestrator takes it; the schema already checked the string form. */
export function versionRefOf(spec: z.output<typeof VersionSpec>): { name: string; version: string } {
  if (typeof spec !== 'string') return spec;
  const [, name, version] = nameAtVersion.exec(spec)!;
  return { name: name!, version: version! };
}

/**
 * `POST /v1/experiments`: the candidate against the baseline (two versions of one artifact) on a
 * group (name or id): `split` % of it on the candidate, as many kept on the baseline. The candidate
 * arm is installed by an ordinary rollout (`probe`, `strategy`: one wave by default). `onSuccess`
 * says what a promotion does: move a channel, and roll the candidate out to the rest of the group.
 */
export const CreateExperimentRequest = z.strictObject({
  candidate: VersionSpec,
  baseline: VersionSpec,
  group: DisplayName,
  split: z.number().int().min(1).max(50),
  primary: z.string().min(1).max(200).describe('<metric>:higher or <metric>:lower, e.g. confidence_mean:higher'),
  guardrails: z
    .array(z.string().min(1).max(200))
    .max(10)
    .optional()
    .describe('<metric>:max+<n>[%] or <metric>:min-<n>[%], e.g. latency_p95_ms:max+10%'),
  alpha: z.number().gt(0).max(0.5).optional(),
  minSamples: z.number().int().min(2),
  maxDurationSeconds: z
    .number()
    .int()
    .min(1)
    .max(90 * 86_400),
  probe: Probe,
  strategy: Strategy.optional(),
  onSuccess: z.strictObject({ promote: ChannelName.optional(), thenRollout: z.strictObject({ strategy: Strategy }).optional() }).optional(),
});

/** `POST /v1/experiments/:id/decide`: a person's verdict and why (both audited). */
export const DecideExperimentRequest = z.strictObject({ outcome: z.enum(['promote', 'abort']), reason: Reason });
/** `POST /v1/experiments/:id/stop`: ends the experiment without a verdict. */
export const StopExperimentRequest = z.strictObject({ reason: Reason.optional() });
export const ExperimentParams = z.object({ id: SubjectToken });
export const ExperimentView = orchestrator.ExperimentView;
export const ExperimentList = orchestrator.listExperiments.output;
export const ExperimentLookList = orchestrator.listExperimentLooks.output;

/** The events of `GET /v1/experiments/:id/events`. */
export const ExperimentStreamEvents = {
  snapshot: ExperimentView.describe('the experiment when the stream opened'),
  experiment: z
    .object({ seq: z.number().int(), time: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()) })
    .describe('an experiment event, as stored'),
  look: orchestrator.ExperimentLook.describe("a new look of the decision loop: each arm's figures and each test, as `lastLook`"),
  end: z.object({ status: orchestrator.ExperimentStatus }).describe('the experiment has ended and its verdict is carried out'),
};
