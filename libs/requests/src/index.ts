export * from './kit.js';
export * as registry from './registry.js';
export * as signer from './signer.js';
export * as gateway from './gateway.js';
export * as orchestrator from './orchestrator.js';
export * as audit from './audit.js';
