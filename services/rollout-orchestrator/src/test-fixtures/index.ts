// @keelson/rollout-orchestrator/testing: the orchestrator as other projects' specs start it (test-only, run from source by Jest).
export { artifactRef, fleet, startOrchestrator, type OrchestratorHarness } from './orchestrator-app.js';
