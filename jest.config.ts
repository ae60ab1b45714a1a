import type { Config } from 'jest';

// One Jest run, two projects: pure specs (no infrastructure) and integration/e2e specs, which share
// one real nats-server and one real PostgreSQL started by libs/testing's global setup.
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: {
    '^@keelson/([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^@keelson/events/device-protocol$': '<rootDir>/libs/events/src/device-protocol/device-side.ts',
    // Fixtures for other projects' specs (the package.json `./testing` exports).
    '^@keelson/tuf/testing$': '<rootDir>/libs/tuf/src/test-fixtures/index.ts',
    '^@keelson/(agent|api|audit|cli|device-gateway|registry-facade|rollout-orchestrator|signer)/testing$':
      '<rootDir>/services/$1/src/test-fixtures/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/', '<rootDir>/.keelson/'],
} satisfies Config;

const config: Config = {
  testTimeout: 60_000, // a global option: Jest ignores it inside a project
  // Two spec files at a time, on 2 cores too (Jest's default there is one): an e2e file spends most of
  // its time waiting on devices, timers and waves, not computing, so a second file fills that time.
  // Each worker picks ports from a slice of its own (libs/local-infra/src/free-port.ts) and each file
  // has its own platform, databases and NATS namespace. A worker is replaced once a file leaves it
  // holding more than the limit: ESM module graphs of earlier files stay reachable in a long-lived
  // process and the heap grew past 4 GiB over the whole suite.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
  // The run ends with its slowest spec files (compiled like the global setup: `npm run pretest`).
  reporters: ['default', '<rootDir>/libs/testing/dist/slowest-specs-reporter.js'],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{libs,services,deploy}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$', '/node_modules/', '/dist/'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services,deploy,e2e}/**/*.{int,e2e}.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
      // Global setup runs outside Jest's module system, so it is the compiled harness (`npm run pretest`).
      globalSetup: '<rootDir>/libs/testing/dist/global-setup.js',
      globalTeardown: '<rootDir>/libs/testing/dist/global-teardown.js',
    },
  ],
};

export default config;
