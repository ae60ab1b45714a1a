// @keelson/agent/testing: a gateway and a signed repository for the agent, as other projects' specs start them
// (test-only, run from source by Jest).
export { installOf, startGatewayUnderTest, type GatewayUnderTest } from './gateway-under-test.js';
export { TestTufRepository } from './tuf-repository.js';
export * from './attacks/index.js';
