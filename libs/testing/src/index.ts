export { testEnv, type TestEnv } from './test-env.js';
export { connectTestNats, testNamespace, type TestNamespace } from './test-nats.js';
export { createTestDatabase, dropTestDatabase, assertTestDatabase, type TestDatabase } from './test-database.js';
export { cleanStaleRuns } from './stale-runs.js';
export { TestDeviceCa, selfSignedDevice, type TestDeviceCertificate, type IssueOptions } from './device-ca.js';
export { TestClock } from './test-clock.js';
export { eventually, type Patience } from './eventually.js';
