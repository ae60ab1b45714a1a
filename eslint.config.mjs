import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Pure code may not reach for I/O, frameworks or transports: the rules live in domain code, the
// wires in adapters (see README "Where things live").
const bannedInDomain = ['@nestjs/*', '@nats-io/*', 'pg', '@mikro-orm/*', 'kysely', 'mqtt', 'node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https', 'node:child_process', 'fs', 'net', 'http', 'child_process'];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '.keelson/**', '.nx/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: ['type:kernel'], bannedExternalImports: bannedInDomain },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:kernel'], bannedExternalImports: bannedInDomain },
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract', 'type:kernel'], allowedExternalImports: ['zod', 'node:fs', 'node:path', 'node:url'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:contract', 'type:kernel', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:adapter', 'type:contract', 'type:kernel'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    // Domain files inside services (deciders, pure projection evolves) follow the same rule as type:domain libs.
    files: ['**/*.decider.ts', '**/*.decide.ts', '**/*.evolve.ts', '**/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: bannedInDomain, message: 'Domain code is pure: no I/O, transports or frameworks. Move this to an adapter.' }] }],
    },
  },
];
