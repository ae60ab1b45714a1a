export {
  EnrollmentTokenIssued,
  EnrollmentTokenRedeemed,
  EnrollmentTokenRevoked,
  EnrollmentRefusal,
  EnrollmentRefused,
  type EnrollmentEvent,
  enrollmentEvents,
  parseEnrollmentEvent,
} from './enrollment-events.js';
