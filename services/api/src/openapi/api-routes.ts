import { z } from 'zod';
import { ArtifactList, ArtifactListQuery, ArtifactParams, ArtifactUploadForm, ArtifactView, PublishFromRegistryRequest } from '../artifacts/artifact.schemas.js';
import { AuditExportBody, AuditExportQuery, AuditPage, AuditQuery, AuditVerdict } from '../audit/audit.schemas.js';
import { AddAuditSinkRequest, AuditSinkList, AuditSinkParams, AuditSinkRemoved, AuditSinkView } from '../audit/audit-sinks.schemas.js';
import { DecommissionRequest, DecommissionResponse, DeviceList, DeviceListQuery, DeviceParams, DeviceView, EnrollmentTokenRequest, EnrollmentTokenResponse, InstalledVersions } from '../devices/device.schemas.js';
import { CreateGroupRequest, GroupList, GroupMembersRequest, GroupParams, GroupView } from '../groups/group.schemas.js';
import { FleetQuery, ListQuery } from '../http/request.schemas.js';
import { ApiTokenCreated, ApiTokenList, ApiTokenParams, ApiTokenRevokedView, CreateApiTokenRequest, RevokeApiTokenRequest } from '../operators/api-token.schemas.js';
import { ConnectRegistryRequest, RegistryConnectionList, RegistryConnectionView, RegistryParams, RegistryTestResult, RotateRegistryCredentialsRequest } from '../registries/registry.schemas.js';
import { RolloutStreamEvents } from '../rollouts/rollout-stream.schemas.js';
import { ImportRootResponse, OnlineKeysView, RotateOnlineKeyRequest, RotateOnlineKeyResponse, SignedRootDocument, TufRootView } from '../tuf/tuf.schemas.js';
import { AbortRequest, ApproveRequest, CreateRolloutRequest, HaltRequest, PromoteRequest, RetryRequest, RolloutList, RolloutListQuery, RolloutParams, RolloutView } from '../rollouts/rollout.schemas.js';
import { CreateExperimentRequest, DecideExperimentRequest, ExperimentList, ExperimentLookList, ExperimentParams, ExperimentStreamEvents, ExperimentView, StopExperimentRequest } from '../experiments/experiment.schemas.js';
import { ChannelParams, ChannelsParams, ChannelsView, SetChannelRequest } from '../channels/channel.schemas.js';

/** One route of the operator API as the OpenAPI document describes it; the controllers parse with the same schemas. */
export interface RouteDoc {
  method: 'get' | 'post' | 'delete';
  /** Express style, e.g. `/v1/rollouts/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A multipart form instead of a JSON body. */
  form?: z.ZodObject;
  status: number;
  /** A JSON response, or the events of an SSE stream. */
  response: z.ZodType | { sse: Record<string, z.ZodType> };
  /**
   * True for a route answered without NATS: no token to check (an API token is read from its
   * stream) and nothing asked of a service. Every other route may answer 503 with `Retry-After`.
   */
  withoutBroker?: true;
}

const AgentBundleList = z.object({ bundles: z.array(z.object({ version: z.string(), arch: z.enum(['x64', 'arm64']), file: z.string(), sha256: z.string() })) });
const AgentBundleParams = z.object({ file: z.string().describe('keelson-agent-<version>-linux-<arch>.tar.gz, or the same with .sha256') });
const AgentBundleFile = z.string().describe('the bundle (application/gzip) or its sha256 line (text/plain)');
const AgentInstaller = z.string().describe('a POSIX sh script (text/x-shellscript)');
const OpenApiDocument = z.record(z.string(), z.unknown()).describe('this OpenAPI 3.1 document');
const rollout = { params: RolloutParams, query: FleetQuery, tag: 'rollouts', response: RolloutView } as const;
const experiment = { params: ExperimentParams, query: FleetQuery, tag: 'experiments', response: ExperimentView } as const;

/** Every route the api serves besides `/healthz`, `/readyz` and `/metrics`. */
export const apiRoutes: RouteDoc[] = [
  { method: 'get', path: '/v1/openapi.json', operationId: 'getOpenApi', summary: 'This document', tag: 'meta', status: 200, response: OpenApiDocument },
  { method: 'post', path: '/v1/artifacts', operationId: 'pushArtifact', summary: 'Upload an artifact (streamed to the registry, signed, then published)', tag: 'artifacts', query: FleetQuery, form: ArtifactUploadForm, status: 201, response: ArtifactView },
  { method: 'post', path: '/v1/artifacts/from-registry', operationId: 'publishFromRegistry', summary: 'Pin a tag of a connected registry to its digest, copy the image in and publish it as a container', tag: 'artifacts', query: FleetQuery, body: PublishFromRegistryRequest, status: 201, response: ArtifactView },
  { method: 'get', path: '/v1/artifacts', operationId: 'listArtifacts', summary: 'List artifacts, newest first', tag: 'artifacts', query: ArtifactListQuery, status: 200, response: ArtifactList },
  { method: 'get', path: '/v1/artifacts/:name/:version', operationId: 'getArtifact', summary: 'One artifact', tag: 'artifacts', params: ArtifactParams, query: FleetQuery, status: 200, response: ArtifactView },
  { method: 'post', path: '/v1/registries', operationId: 'connectRegistry', summary: 'Connect an upstream OCI registry (pinged with the credentials first; they are sealed, never returned)', tag: 'registries', query: FleetQuery, body: ConnectRegistryRequest, status: 201, response: RegistryConnectionView },
  { method: 'get', path: '/v1/registries', operationId: 'listRegistries', summary: 'List registry connections, newest first (whether credentials are set, never their value)', tag: 'registries', query: ListQuery, status: 200, response: RegistryConnectionList },
  { method: 'get', path: '/v1/registries/:name', operationId: 'getRegistry', summary: 'One registry connection', tag: 'registries', params: RegistryParams, query: FleetQuery, status: 200, response: RegistryConnectionView },
  { method: 'post', path: '/v1/registries/:name/test', operationId: 'testRegistry', summary: 'Ping the registry (/v2/) with the stored credentials', tag: 'registries', params: RegistryParams, query: FleetQuery, status: 200, response: RegistryTestResult },
  { method: 'post', path: '/v1/registries/:name/credentials', operationId: 'rotateRegistryCredentials', summary: 'Replace the credentials (checked against the registry first), or clear them', tag: 'registries', params: RegistryParams, query: FleetQuery, body: RotateRegistryCredentialsRequest, status: 200, response: RegistryConnectionView },
  { method: 'delete', path: '/v1/registries/:name', operationId: 'removeRegistry', summary: 'Remove a registry connection and destroy its credentials', tag: 'registries', params: RegistryParams, query: FleetQuery, status: 200, response: RegistryConnectionView },
  { method: 'post', path: '/v1/enrollment-tokens', operationId: 'issueEnrollmentToken', summary: 'Mint a one-time enrollment token and the enroll command line', tag: 'devices', query: FleetQuery, body: EnrollmentTokenRequest, status: 201, response: EnrollmentTokenResponse },
  { method: 'get', path: '/v1/agent/bundles', operationId: 'listAgentBundles', withoutBroker: true, summary: 'The agent release bundles served, newest per architecture, with their sha256 (no token needed)', tag: 'agent', status: 200, response: AgentBundleList },
  { method: 'get', path: '/v1/agent/bundles/:file', operationId: 'getAgentBundle', withoutBroker: true, summary: 'One agent bundle (.tar.gz) or its .sha256 file (no token needed)', tag: 'agent', params: AgentBundleParams, status: 200, response: AgentBundleFile },
  { method: 'get', path: '/v1/agent/install.sh', operationId: 'getAgentInstaller', withoutBroker: true, summary: 'The installer the enroll line runs: downloads, checks, installs and enrolls the agent (no token needed)', tag: 'agent', status: 200, response: AgentInstaller },
  { method: 'get', path: '/v1/devices', operationId: 'listDevices', summary: 'List devices: newest or by name, narrowed by search, status, label, installed version and reachability', tag: 'devices', query: DeviceListQuery, status: 200, response: DeviceList },
  { method: 'get', path: '/v1/installed-versions', operationId: 'countInstalledVersions', summary: 'How many active devices run each artifact version, fleet-wide', tag: 'devices', query: FleetQuery, status: 200, response: InstalledVersions },
  { method: 'get', path: '/v1/devices/:id', operationId: 'getDevice', summary: 'One device by id or name', tag: 'devices', params: DeviceParams, query: FleetQuery, status: 200, response: DeviceView },
  { method: 'post', path: '/v1/devices/:id/decommission', operationId: 'decommissionDevice', summary: 'Retire a device: credentials revoked, live connection dropped, left out of every rollout', tag: 'devices', params: DeviceParams, query: FleetQuery, body: DecommissionRequest, status: 200, response: DecommissionResponse },
  { method: 'post', path: '/v1/groups', operationId: 'createGroup', summary: 'Create a static group from device names (unresolved names are reported)', tag: 'groups', query: FleetQuery, body: CreateGroupRequest, status: 201, response: GroupView },
  { method: 'get', path: '/v1/groups', operationId: 'listGroups', summary: 'List groups', tag: 'groups', query: ListQuery, status: 200, response: GroupList },
  { method: 'get', path: '/v1/groups/:idOrName', operationId: 'getGroup', summary: 'One group by id or name', tag: 'groups', params: GroupParams, query: FleetQuery, status: 200, response: GroupView },
  { method: 'post', path: '/v1/groups/:idOrName/members', operationId: 'addGroupMembers', summary: 'Add devices by name or id (names that match no device are kept as unresolved); rollouts already created keep their devices', tag: 'groups', params: GroupParams, query: FleetQuery, body: GroupMembersRequest, status: 200, response: GroupView },
  { method: 'delete', path: '/v1/groups/:idOrName/members', operationId: 'removeGroupMembers', summary: 'Remove members by device name or id, or a kept unresolved name; a name that is not a member is refused and nothing changes', tag: 'groups', params: GroupParams, query: FleetQuery, body: GroupMembersRequest, status: 200, response: GroupView },
  { method: 'delete', path: '/v1/groups/:idOrName', operationId: 'deleteGroup', summary: 'Delete a group (refused while an unsettled experiment is built on it); answers with what it held', tag: 'groups', params: GroupParams, query: FleetQuery, status: 200, response: GroupView },
  { method: 'post', path: '/v1/rollouts', operationId: 'createRollout', summary: 'Roll an artifact (a version or a channel) out in waves to a group, named devices or a selector', tag: 'rollouts', query: FleetQuery, body: CreateRolloutRequest, status: 201, response: RolloutView },
  { method: 'get', path: '/v1/rollouts', operationId: 'listRollouts', summary: 'List rollouts, newest first (optionally those in one status)', tag: 'rollouts', query: RolloutListQuery, status: 200, response: RolloutList },
  { method: 'get', path: '/v1/rollouts/:id', operationId: 'getRollout', summary: 'One rollout with the state of each device', ...rollout, status: 200 },
  { method: 'post', path: '/v1/rollouts/:id/approve', operationId: 'approveWave', summary: 'Open the manual gate the rollout waits at', ...rollout, body: ApproveRequest, status: 200 },
  { method: 'post', path: '/v1/rollouts/:id/halt', operationId: 'haltRollout', summary: 'Stop widening the rollout', ...rollout, body: HaltRequest, status: 200 },
  { method: 'post', path: '/v1/rollouts/:id/resume', operationId: 'resumeRollout', summary: 'Resume a halted rollout', ...rollout, status: 200 },
  { method: 'post', path: '/v1/rollouts/:id/abort', operationId: 'abortRollout', summary: 'Abort, keeping or reverting updated devices', ...rollout, body: AbortRequest, status: 200 },
  { method: 'post', path: '/v1/rollouts/:id/retry', operationId: 'retryRollout', summary: 'Retry the failed devices as a new rollout linked to this one', ...rollout, body: RetryRequest, status: 201 },
  { method: 'post', path: '/v1/rollouts/:id/promote', operationId: 'promoteRollout', summary: 'Point a release channel at the version a succeeded rollout delivered', ...rollout, body: PromoteRequest, status: 200, response: ChannelsView },
  { method: 'get', path: '/v1/channels/:artifact', operationId: 'listChannels', summary: 'The release channels of an artifact name', tag: 'channels', params: ChannelsParams, query: FleetQuery, status: 200, response: ChannelsView },
  { method: 'post', path: '/v1/channels/:artifact/:channel', operationId: 'setChannel', summary: 'Point a release channel at a published version', tag: 'channels', params: ChannelParams, query: FleetQuery, body: SetChannelRequest, status: 200, response: ChannelsView },
  { method: 'get', path: '/v1/rollouts/:id/events', operationId: 'streamRolloutEvents', summary: 'Live SSE stream: snapshot, device names, rollout and device events, per-wave summary, end', ...rollout, status: 200, response: { sse: RolloutStreamEvents } },
  { method: 'post', path: '/v1/experiments', operationId: 'createExperiment', summary: 'Compare a candidate version with the baseline on a split of a group; the candidate arm is installed by a rollout', tag: 'experiments', query: FleetQuery, body: CreateExperimentRequest, status: 201, response: ExperimentView },
  { method: 'get', path: '/v1/experiments', operationId: 'listExperiments', summary: 'List experiments, newest first', tag: 'experiments', query: ListQuery, status: 200, response: ExperimentList },
  { method: 'get', path: '/v1/experiments/:id', operationId: 'getExperiment', summary: 'One experiment: plan, arms, rollouts and verdict', ...experiment, status: 200 },
  { method: 'get', path: '/v1/experiments/:id/looks', operationId: 'listExperimentLooks', summary: "The decision loop's looks at the experiment, oldest first: each arm's figures and each test over time", tag: 'experiments', params: ExperimentParams, query: ListQuery, status: 200, response: ExperimentLookList },
  { method: 'get', path: '/v1/experiments/:id/events', operationId: 'streamExperimentEvents', summary: 'Live SSE stream: snapshot, experiment events, end once the verdict is carried out', ...experiment, status: 200, response: { sse: ExperimentStreamEvents } },
  { method: 'post', path: '/v1/experiments/:id/decide', operationId: 'decideExperiment', summary: "A person's verdict: promote (moves the channel, starts the follow-up) or abort (reverts the candidate arm)", ...experiment, body: DecideExperimentRequest, status: 200 },
  { method: 'post', path: '/v1/experiments/:id/stop', operationId: 'stopExperiment', summary: 'End the experiment without a verdict; the candidate arm keeps what it has', ...experiment, body: StopExperimentRequest, status: 200 },
  { method: 'get', path: '/v1/audit', operationId: 'queryAudit', summary: 'Audit entries, oldest first', tag: 'audit', query: AuditQuery, status: 200, response: AuditPage },
  { method: 'get', path: '/v1/audit/export', operationId: 'exportAudit', summary: 'Every entry from since to until, streamed as NDJSON or CSV', tag: 'audit', query: AuditExportQuery, status: 200, response: AuditExportBody },
  { method: 'get', path: '/v1/audit/verify', operationId: 'verifyAudit', summary: 'Walk the whole hash chain (every fleet): its length and head, or the first broken link; the admin token only, never an API token', tag: 'audit', status: 200, response: AuditVerdict },
  { method: 'post', path: '/v1/audit/sinks', operationId: 'addAuditSink', summary: 'Add a webhook sink: every entry of the fleet POSTed in chain order, signed with the secret (sealed, never returned); admin only', tag: 'audit', query: FleetQuery, body: AddAuditSinkRequest, status: 201, response: AuditSinkView },
  { method: 'get', path: '/v1/audit/sinks', operationId: 'listAuditSinks', summary: 'The webhook sinks, with position, failures in a row, dead letters and whether paused', tag: 'audit', query: FleetQuery, status: 200, response: AuditSinkList },
  { method: 'get', path: '/v1/audit/sinks/:name', operationId: 'getAuditSink', summary: 'One webhook sink', tag: 'audit', params: AuditSinkParams, query: FleetQuery, status: 200, response: AuditSinkView },
  { method: 'post', path: '/v1/audit/sinks/:name/resume', operationId: 'resumeAuditSink', summary: 'Resume a sink paused on a dead letter: the same entry is tried again', tag: 'audit', params: AuditSinkParams, query: FleetQuery, status: 200, response: AuditSinkView },
  { method: 'delete', path: '/v1/audit/sinks/:name', operationId: 'removeAuditSink', summary: 'Remove a webhook sink and destroy its sealed secret', tag: 'audit', params: AuditSinkParams, query: FleetQuery, status: 200, response: AuditSinkRemoved },
  { method: 'post', path: '/v1/tokens', operationId: 'createApiToken', summary: 'Issue an API token for this fleet (the secret is in this answer only); admin', tag: 'tokens', query: FleetQuery, body: CreateApiTokenRequest, status: 201, response: ApiTokenCreated },
  { method: 'get', path: '/v1/tokens', operationId: 'listApiTokens', summary: "The fleet's API tokens, newest first, without secrets; admin", tag: 'tokens', query: ListQuery, status: 200, response: ApiTokenList },
  { method: 'delete', path: '/v1/tokens/:tokenId', operationId: 'revokeApiToken', summary: 'Revoke an API token: refused from now on; admin', tag: 'tokens', params: ApiTokenParams, query: FleetQuery, body: RevokeApiTokenRequest, status: 200, response: ApiTokenRevokedView },
  { method: 'get', path: '/v1/tuf/root', operationId: 'getTufRoot', summary: 'The signed TUF root in force and whether the fleet is in the development trust setup', tag: 'tuf', query: FleetQuery, status: 200, response: TufRootView },
  { method: 'post', path: '/v1/tuf/root', operationId: 'importTufRoot', summary: 'Put an offline-signed root in force (version + 1, signed by the current and the new root thresholds)', tag: 'tuf', query: FleetQuery, body: SignedRootDocument, status: 200, response: ImportRootResponse },
  { method: 'get', path: '/v1/tuf/online-keys', operationId: 'exportTufOnlineKeys', summary: 'The root in force and the public online keys, for an offline root ceremony', tag: 'tuf', query: FleetQuery, status: 200, response: OnlineKeysView },
  { method: 'post', path: '/v1/tuf/online-keys/rotate', operationId: 'rotateTufOnlineKey', summary: 'A new key for targets, snapshot or timestamp (pending until a new root names it in production)', tag: 'tuf', query: FleetQuery, body: RotateOnlineKeyRequest, status: 200, response: RotateOnlineKeyResponse },
];
