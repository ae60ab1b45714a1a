// @keelson/registry-facade/testing: the facade and the registries it fronts, as other projects' specs start them
// (test-only, run from source by Jest).
export { internalToken, startFacade, type FacadeApp } from './facade-app.js';
export { startDockerRegistry, type RegistryAuth, type RunningDockerRegistry } from './docker-registry.js';
export { startTokenRealm, type RunningTokenRealm } from './token-realm.js';
