import { ChannelsView } from '../../channels/channel.schemas.js';
import { FleetQuery } from '../../http/request.schemas.js';
import { RolloutStreamEvents } from '../../rollouts/rollout-stream.schemas.js';
import {
  AbortRequest,
  ApproveRequest,
  CreateRolloutRequest,
  HaltRequest,
  PromoteRequest,
  RetryRequest,
  RolloutList,
  RolloutListQuery,
  RolloutParams,
  RolloutView,
} from '../../rollouts/rollout.schemas.js';
import type { RouteDoc } from './route-doc.js';

const rollout = { params: RolloutParams, query: FleetQuery, tag: 'rollouts', response: RolloutView } as const;

/** Rollouts: create, list, show, watch, approve, halt, resume, abort, retry. */
export const rolloutRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/rollouts',
    operationId: 'createRollout',
    summary: 'Roll an artifact (a version or a channel) out in waves to a group, named devices or a selector',
    tag: 'rollouts',
    query: FleetQuery,
    body: CreateRolloutRequest,
    status: 201,
    response: RolloutView,
  },
  {
    method: 'get',
    path: '/v1/rollouts',
    operationId: 'listRollouts',
    summary: 'List rollouts, newest first (optionally those in one status)',
    tag: 'rollouts',
    query: RolloutListQuery,
    status: 200,
    response: RolloutList,
  },
  {
    method: 'get',
    path: '/v1/rollouts/:id',
    operationId: 'getRollout',
    summary: 'One rollout with the state of each device',
    ...rollout,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/rollouts/:id/approve',
    operationId: 'approveWave',
    summary: 'Open the manual gate the rollout waits at',
    ...rollout,
    body: ApproveRequest,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/rollouts/:id/halt',
    operationId: 'haltRollout',
    summary: 'Stop widening the rollout',
    ...rollout,
    body: HaltRequest,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/rollouts/:id/resume',
    operationId: 'resumeRollout',
    summary: 'Resume a halted rollout',
    ...rollout,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/rollouts/:id/abort',
    operationId: 'abortRollout',
    summary: 'Abort, keeping or reverting updated devices',
    ...rollout,
    body: AbortRequest,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/rollouts/:id/retry',
    operationId: 'retryRollout',
    summary: 'Retry the failed devices as a new rollout linked to this one',
    ...rollout,
    body: RetryRequest,
    status: 201,
  },
  {
    method: 'post',
    path: '/v1/rollouts/:id/promote',
    operationId: 'promoteRollout',
    summary: 'Point a release channel at the version a succeeded rollout delivered',
    ...rollout,
    body: PromoteRequest,
    status: 200,
    response: ChannelsView,
  },
  {
    method: 'get',
    path: '/v1/rollouts/:id/events',
    operationId: 'streamRolloutEvents',
    summary: 'Live SSE stream: snapshot, device names, rollout and device events, per-wave summary, end',
    ...rollout,
    status: 200,
    response: { sse: RolloutStreamEvents },
  },
];
