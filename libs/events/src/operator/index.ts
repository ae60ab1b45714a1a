export {
  ApiTokenRole,
  ApiTokenIssued,
  ApiTokenRevoked,
  AdminCredentialRotated,
  PlatformSecret,
  PlatformSecretRotated,
  AuditSinkAdded,
  AuditSinkRemoved,
  AuditSinkResumed,
  type OperatorEvent,
  operatorEvents,
  parseOperatorEvent,
} from './operator-events.js';
