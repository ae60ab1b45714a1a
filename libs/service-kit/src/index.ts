export { type ServiceConfig, loadServiceConfig, requireEnv } from './config.js';
export { numberSetting, type NumberSettingRule } from './number-setting.js';
export { NATS, DATABASE, SERVICE_CONFIG, CLOCK, type Clock, systemClock } from './tokens.js';
export { ServiceError } from './errors.js';
export { type CommandContext, newContext, contextFrom, contextHeaders } from './commands/context.js';
export { toReplyError, fromReplyError } from './commands/reply-error.js';
export { type CommandHandler, handlerFor, serveCommands, type ServeCommandsOptions } from './commands/serve-commands.js';
export { callCommand, type CallOptions } from './commands/call-command.js';
export { eventMetadataOf } from './commands/event-metadata.js';
export { connectNats, CoalescingTransport } from '@keelson/nats-kit';
export { InfrastructureModule, infrastructureModule, type InfrastructureOptions } from './nest/infrastructure.module.js';
export { HealthController } from './nest/health.controller.js';
export { createServiceApp, runService, type ServiceAppOptions } from './nest/run-service.js';
export { allowLongTransfers, idleSocketMs } from './nest/long-transfers.js';
export { startTracing, stopTracing, tracingRequested } from './tracing/start-tracing.js';
export { httpServerSpans } from './tracing/http-server-spans.js';
export { TraceConsoleLogger } from './tracing/trace-logger.js';
export { sealKey, openKey, isSealed, SealedKeyRefused, type SealedKey } from './secrets/sealed-key.js';
export { type SealingSecrets, sealingSecretsOf } from './secrets/sealing-secrets.js';
export { type SealedKeyFile, type OpenedKeyFile, openKeyFile, resealKeyFiles } from './secrets/reseal.js';
export { recordSecretRotation } from './secrets/record-rotation.js';
export { MinuteBudget } from './refusals/minute-budget.js';
export {
  declareModule, DeclaredModule, type ModuleDeclaration, type ProjectionDeclaration, type ReactorDeclaration, type ForeignStream, type Worker,
} from './runner/module-declaration.js';
export { ServiceRunner, type ServiceRunnerOptions } from './runner/service-runner.js';
export { describeError, ModuleStartError } from './runner/describe-error.js';
export { requireDatabase } from './runner/require-database.js';
export { streamReplicasOf } from './runner/stream-replicas.js';
