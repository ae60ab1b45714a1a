export {
  ApiTokenRole,
  ApiTokenIssued,
  ApiTokenRevoked,
  AdminCredentialRotated,
  PlatformSecret,
  PlatformSecretRotated,
  type OperatorEvent,
  operatorEvents,
  parseOperatorEvent,
} from './operator-events.js';
