export {
  ApiTokenRole,
  ApiTokenIssued,
  ApiTokenRevoked,
  AdminCredentialRotated,
  type OperatorEvent,
  operatorEvents,
  parseOperatorEvent,
} from './operator-events.js';
