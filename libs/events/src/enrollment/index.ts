export {
  EnrollmentTokenIssued,
  EnrollmentTokenRedeemed,
  EnrollmentTokenRevoked,
  EnrollmentRefusal,
  EnrollmentRefused,
  EnrollmentAttemptRefusal,
  EnrollmentAttemptsRefused,
  ReenrollmentTokenIssued,
  type EnrollmentEvent,
  enrollmentEvents,
  parseEnrollmentEvent,
} from './enrollment-events.js';
