// @keelson/audit/testing: the audit service as other projects' specs start it (test-only, run from source by Jest).
export { auditHarness, type AuditHarness, type OwnerStores } from './audit-app.js';
