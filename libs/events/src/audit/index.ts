export { AuditCloudEvent, parseAuditCloudEvent } from './audit-cloud-event.js';
