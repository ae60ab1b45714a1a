import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Pure code may not reach for I/O, frameworks or transports: the rules live in domain code, the
// wires in adapters (see README "Where things live").
const bannedInDomain = [
  '@nestjs/*',
  '@nats-io/*',
  'pg',
  '@mikro-orm/*',
  'kysely',
  'mqtt',
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'fs',
  'net',
  'http',
  'child_process',
];

// Each service is a scope of its own: it reaches another service only through that service's `testing`
// entry (`@keelson/<service>/testing`, its fixtures), and only from specs and fixtures (rule below).
const services = ['agent', 'api', 'audit', 'cli', 'device-gateway', 'registry-facade', 'rollout-orchestrator', 'signer'];
const serviceScopes = services.map((s) => ({
  sourceTag: `scope:${s}`,
  onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared', 'scope:infra'],
}));

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '.keelson/**', '.nx/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['^@keelson/[a-z-]+/testing$'], // a regular expression: the one way into another service
          depConstraints: [
            { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: ['type:kernel'], bannedExternalImports: bannedInDomain },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:kernel'],
              bannedExternalImports: bannedInDomain,
            },
            {
              sourceTag: 'type:contract',
              onlyDependOnLibsWithTags: ['type:contract', 'type:kernel'],
              allowedExternalImports: ['zod', 'node:fs', 'node:path', 'node:url'],
            },
            {
              sourceTag: 'type:adapter',
              onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:contract', 'type:kernel', 'type:testing'],
            },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:adapter', 'type:contract', 'type:kernel'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', 'scope:infra'] },
            ...serviceScopes,
          ],
        },
      ],
    },
  },
  {
    // Domain files inside services (deciders, pure projection evolves) follow the same rule as type:domain libs.
    files: ['**/*.decider.ts', '**/*.decide.ts', '**/*.evolve.ts', '**/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: bannedInDomain, message: 'Domain code is pure: no I/O, transports or frameworks. Move this to an adapter.' }],
        },
      ],
    },
  },
  {
    // A service's fixtures are test code: production code never imports them.
    files: ['services/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/test-fixtures/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@keelson/*/testing'], message: "A service's testing entry is for specs and fixtures only." }] },
      ],
    },
  },
];
