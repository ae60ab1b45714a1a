/** Why the audit service needs its database, in the refusal (service-kit's `requireDatabase`) when it has none. */
export const auditTables = 'the audit log lives there';
