import { z } from 'zod';
import { orchestrator } from '@keelson/commands';
import { ArtifactName, DisplayName, Probe, Reason, SemverLike, Strategy, SubjectToken } from '@keelson/events';

const nameAtVersion = /^([a-z0-9][a-z0-9._-]{0,99})@([0-9A-Za-z][0-9A-Za-z.+_-]{0,63})$/;

/** `name@version` as operators type it, or the object form. */
export const ArtifactSpec = z.union([
  z.string().regex(nameAtVersion, 'must be <name>@<version>'),
  z.strictObject({ name: ArtifactName, version: SemverLike }),
]);

/** `POST /v1/rollouts`: the group is named by name or id; the api resolves it before creating. */
export const CreateRolloutRequest = z.strictObject({
  artifact: ArtifactSpec,
  group: DisplayName,
  probe: Probe,
  strategy: Strategy,
});

/** The artifact of a request as `{name, version}`; the schema already checked the string form. */
export function artifactRefOf(spec: z.output<typeof ArtifactSpec>): { name: string; version: string } {
  if (typeof spec !== 'string') return spec;
  const [, name, version] = nameAtVersion.exec(spec)!;
  return { name: name!, version: version! };
}

export const RolloutParams = z.object({ id: SubjectToken });
export const ApproveRequest = z.strictObject({ wave: z.number().int().min(0).max(19).optional() });
export const HaltRequest = z.strictObject({ reason: Reason.optional() });
export const AbortRequest = z.strictObject({ mode: z.enum(['keep', 'revert']) });
export const RolloutView = orchestrator.RolloutView;
export const RolloutList = orchestrator.listRollouts.output;
