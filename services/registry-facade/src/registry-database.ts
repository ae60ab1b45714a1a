/** Why the facade cannot run without its database, in service-kit's `requireDatabase` refusal. */
export const registryTables = 'the artifact, TUF and registry connection read models and the sealed registry credentials live there';
