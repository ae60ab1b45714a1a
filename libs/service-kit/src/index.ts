export { type ServiceConfig, loadServiceConfig, requireEnv } from './config.js';
export { numberSetting, type NumberSettingRule } from './number-setting.js';
export { NATS, DATABASE, SERVICE_CONFIG, CLOCK, type Clock, systemClock } from './tokens.js';
export { ServiceError, statusOfKind } from './errors.js';
export { BrokerLink, brokerLinkOf } from './broker/broker-link.js';
export {
  isBrokerUnavailable,
  brokerUnavailableReply,
  brokerRetryAfterSeconds,
  clusterTransitionCodes,
} from './broker/broker-unavailable.js';
export { type RequestContext, newContext, contextFrom, contextHeaders } from './requests/context.js';
export { toReplyError, fromReplyError } from './requests/reply-error.js';
export { type RequestHandler, handlerFor, serveRequests, type ServeRequestsOptions } from './requests/serve-requests.js';
export { sendRequest, type CallOptions } from './requests/send-request.js';
export { RequestPattern, contractsOf, type RequestIn, type RequestMethod, type RequestOut } from './requests/request-pattern.js';
export { RequestServer, type ServedRequests } from './requests/request-server.js';
export { eventMetadataOf } from './requests/event-metadata.js';
export { connectNats, CoalescingTransport } from '@keelson/nats-kit';
export { InfrastructureModule, infrastructureModule, type InfrastructureOptions } from './nest/infrastructure.module.js';
export { HealthController } from './nest/health.controller.js';
export { createServiceApp, runService, type ServiceAppOptions } from './nest/run-service.js';
export { allowLongTransfers, idleSocketMs } from './nest/long-transfers.js';
export { startTracing, stopTracing, tracingRequested } from './tracing/start-tracing.js';
export { httpServerSpans } from './tracing/http-server-spans.js';
export { inHttpClientSpan } from './tracing/http-client-span.js';
export { TraceConsoleLogger } from './tracing/trace-logger.js';
export { sealKey, openKey, isSealed, SealedKeyRefused, type SealedKey } from './secrets/sealed-key.js';
export { type SealingSecrets, sealingSecretsOf } from './secrets/sealing-secrets.js';
export { type SealedKeyFile, type OpenedKeyFile, openKeyFile, resealKeyFiles } from './secrets/reseal.js';
export { recordSecretRotation } from './secrets/record-rotation.js';
export { MinuteBudget } from './refusals/minute-budget.js';
export {
  declareModule,
  DeclaredModule,
  type ModuleDeclaration,
  type ReplicaMode,
  type ProjectionDeclaration,
  type ReactorDeclaration,
  type ForeignStream,
  type Worker,
  type DeclaredWorker,
  type WorkerReplicaMode,
} from './runner/module-declaration.js';
export { ServiceRunner, type ServiceRunnerOptions } from './runner/service-runner.js';
export { describeError, ModuleStartError } from './runner/describe-error.js';
export { requireDatabase } from './runner/require-database.js';
export { streamReplicasOf } from './runner/stream-replicas.js';
export { RunnerLease, LEASE_TIMING, type LeaseTiming } from './lease/runner-lease.js';
export { RunnerLeases, type RunnerLeasesOptions } from './lease/runner-leases.js';
export { SingleActive, type SingleActiveOptions } from './lease/single-active.js';
export { openLeaseBucket, leaseBucketName, leaseHolderId, leaseKey } from './lease/lease-bucket.js';
export { leaseHeldGauge } from './lease/lease-held.metric.js';
