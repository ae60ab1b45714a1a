import { z } from 'zod';
import { orchestrator } from '@keelson/requests';
import { InvalidInput } from '@keelson/domain-kit';
import { ListQuery } from '../http/request.schemas.js';
import { ArtifactName, ChannelName, DisplayName, Probe, Reason, SelectorText, SemverLike, Strategy, SubjectToken } from '@keelson/events';

const nameAtVersion = /^([a-z0-9][a-z0-9._-]{0,99})@([0-9A-Za-z][0-9A-Za-z.+_-]{0,63})$/;
const startsWithDigit = /^[0-9]/;

/**
 * `name@version` or `name@channel` as operators type it (after the `@`, a value starting with a
 * digit is a version, anything else names a release channel), or the unambiguous object forms.
 */
export const ArtifactSpec = z.union([
  z.string().regex(nameAtVersion, 'must be <name>@<version> or <name>@<channel>'),
  z.strictObject({ name: ArtifactName, version: SemverLike }),
  z.strictObject({ name: ArtifactName, channel: ChannelName }),
]);

/**
 * `POST /v1/rollouts`: exactly one target — a group (name or id; the api resolves it), device names
 * (one is enough: forcing a known-good version onto a device needs no group) or a capability
 * selector. `onMisfit` decides about devices the artifact's hardware needs rule out; `supersede`
 * (with a reason) takes devices over from another active rollout of the same artifact name.
 */
export const CreateRolloutRequest = z
  .strictObject({
    artifact: ArtifactSpec,
    group: DisplayName.optional(),
    devices: z.array(DisplayName).min(1).max(10_000).optional(),
    selector: SelectorText.optional(),
    probe: Probe,
    strategy: Strategy,
    onMisfit: z.enum(['reject', 'exclude']).optional(),
    supersede: z.strictObject({ reason: Reason }).optional(),
  })
  .refine((r) => [r.group, r.devices, r.selector].filter((t) => t !== undefined).length === 1, {
    path: ['target'],
    message: 'name exactly one target: group, devices or selector',
  });

/** The artifact of a request as the orchestrator takes it; the schema already checked the string form. */
export function artifactRefOf(spec: z.output<typeof ArtifactSpec>): { name: string; version: string } | { name: string; channel: string } {
  if (typeof spec !== 'string') return spec;
  const [, name, after] = nameAtVersion.exec(spec)!;
  if (startsWithDigit.test(after!)) return { name: name!, version: after! };
  const channel = ChannelName.safeParse(after);
  if (!channel.success)
    throw new InvalidInput('request.invalid', [
      { path: ['artifact'], message: `'${after}' is neither a version (starts with a digit) nor a channel name` },
    ]);
  return { name: name!, channel: channel.data };
}

/** `POST /v1/rollouts/:id/retry`: the failed devices again, as a new rollout linked to this one. */
export const RetryRequest = z.strictObject({ strategy: Strategy.optional(), onMisfit: z.enum(['reject', 'exclude']).optional() });
/** `POST /v1/rollouts/:id/promote`: the rollout's version becomes the channel's (the rollout must have succeeded). */
export const PromoteRequest = z.strictObject({ channel: ChannelName, reason: Reason.optional() });

export const RolloutParams = z.object({ id: SubjectToken });
export const ApproveRequest = z.strictObject({ wave: z.number().int().min(0).max(19).optional() });
export const HaltRequest = z.strictObject({ reason: Reason.optional() });
export const AbortRequest = z.strictObject({ mode: z.enum(['keep', 'revert']) });
export const RolloutView = orchestrator.RolloutView;
export const RolloutList = orchestrator.listRollouts.output;
/** `GET /v1/rollouts`: a page, optionally of one status (`?status=halted`). */
export const RolloutListQuery = ListQuery.extend({ status: orchestrator.RolloutStatus.optional() });
