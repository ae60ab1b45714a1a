/** Why the facade cannot run without its database (its artifact and TUF read models), in service-kit's `requireDatabase` refusal. */
export const registryTables = 'the artifact and TUF read models live there';
