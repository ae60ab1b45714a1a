import {
  CreateExperimentRequest,
  DecideExperimentRequest,
  ExperimentList,
  ExperimentLookList,
  ExperimentParams,
  ExperimentStreamEvents,
  ExperimentView,
  StopExperimentRequest,
} from '../../experiments/experiment.schemas.js';
import { FleetQuery, ListQuery } from '../../http/request.schemas.js';
import type { RouteDoc } from './route-doc.js';

const experiment = { params: ExperimentParams, query: FleetQuery, tag: 'experiments', response: ExperimentView } as const;

/** Experiments: create, list, show, looks, watch, decide, stop. */
export const experimentRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/experiments',
    operationId: 'createExperiment',
    summary: 'Compare a candidate version with the baseline on a split of a group; the candidate arm is installed by a rollout',
    tag: 'experiments',
    query: FleetQuery,
    body: CreateExperimentRequest,
    status: 201,
    response: ExperimentView,
  },
  {
    method: 'get',
    path: '/v1/experiments',
    operationId: 'listExperiments',
    summary: 'List experiments, newest first',
    tag: 'experiments',
    query: ListQuery,
    status: 200,
    response: ExperimentList,
  },
  {
    method: 'get',
    path: '/v1/experiments/:id',
    operationId: 'getExperiment',
    summary: 'One experiment: plan, arms, rollouts and verdict',
    ...experiment,
    status: 200,
  },
  {
    method: 'get',
    path: '/v1/experiments/:id/looks',
    operationId: 'listExperimentLooks',
    summary: "The decision loop's looks at the experiment, oldest first: each arm's figures and each test over time",
    tag: 'experiments',
    params: ExperimentParams,
    query: ListQuery,
    status: 200,
    response: ExperimentLookList,
  },
  {
    method: 'get',
    path: '/v1/experiments/:id/events',
    operationId: 'streamExperimentEvents',
    summary: 'Live SSE stream: snapshot, experiment events, end once the verdict is carried out',
    ...experiment,
    status: 200,
    response: { sse: ExperimentStreamEvents },
  },
  {
    method: 'post',
    path: '/v1/experiments/:id/decide',
    operationId: 'decideExperiment',
    summary: "A person's verdict: promote (moves the channel, starts the follow-up) or abort (reverts the candidate arm)",
    ...experiment,
    body: DecideExperimentRequest,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/experiments/:id/stop',
    operationId: 'stopExperiment',
    summary: 'End the experiment without a verdict; the candidate arm keeps what it has',
    ...experiment,
    body: StopExperimentRequest,
    status: 200,
  },
];
