import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AgentBundlesController } from './agent-bundles/agent-bundles.controller.js';
import { API_CONFIG, type ApiConfig } from './api-config.js';
import { ArtifactUpload } from './artifacts/artifact-upload.js';
import { ArtifactsController } from './artifacts/artifacts.controller.js';
import { AuditChainController } from './audit/audit-chain.controller.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditSinksController } from './audit/audit-sinks.controller.js';
import { DevicesController } from './devices/devices.controller.js';
import { InstalledVersionsController } from './devices/installed-versions.controller.js';
import { EnrollmentTokensController } from './devices/enrollment-tokens.controller.js';
import { GroupsController } from './groups/groups.controller.js';
import { ApiErrorFilter } from './http/api-error.filter.js';
import { OperatorAuthGuard } from './http/operator-auth.guard.js';
import { OperatorRequests } from './http/operator-requests.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { RegistriesController } from './registries/registries.controller.js';
import { OperatorsModule } from './operators/operators.module.js';
import { ExperimentEventsController } from './experiments/experiment-events.controller.js';
import { ExperimentsController } from './experiments/experiments.controller.js';
import { RolloutEventsController } from './rollouts/rollout-events.controller.js';
import { RolloutsController } from './rollouts/rollouts.controller.js';
import { ChannelsController } from './channels/channels.controller.js';
import { TufController } from './tuf/tuf.controller.js';

/** The operator REST API: auth (admin token, API tokens) and error mapping for every route, controllers per business noun. */
@Module({})
export class ApiModule {
  static forRoot(apiConfig: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [OperatorsModule.forRoot(apiConfig)],
      controllers: [
        OpenApiController,
        ArtifactsController,
        EnrollmentTokensController,
        DevicesController,
        InstalledVersionsController,
        GroupsController,
        RegistriesController,
        RolloutEventsController,
        ExperimentEventsController,
        ExperimentsController,
        RolloutsController,
        ChannelsController,
        AuditController,
        AuditChainController,
        AuditSinksController,
        TufController,
        AgentBundlesController,
      ],
      providers: [
        { provide: API_CONFIG, useValue: apiConfig },
        { provide: APP_GUARD, useClass: OperatorAuthGuard },
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        OperatorRequests,
        ArtifactUpload,
      ],
    };
  }
}
