// @keelson/agent/testing: a gateway and the man-in-the-middle tools for the agent, as other projects' specs start them
// (test-only, run from source by Jest).
export { installOf, startGatewayUnderTest, type GatewayUnderTest } from './gateway-under-test.js';
export * from './attacks/index.js';
