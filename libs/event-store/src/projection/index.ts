export { type Projection } from './projection.js';
export { ProjectionRunner } from './projection-runner.js';
export type { ProjectionRunnerOptions } from './projection-runner-options.js';
export { projectionMigrations, readCheckpoint, type DeadLetter } from './checkpoints.js';
export { retireProjections, type RetiredProjection } from './retired-projections.js';
export { type WriteFence, FencedOut, FENCED_IDLE_MS } from './write-fence.js';
