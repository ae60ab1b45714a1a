export {
  EnrollmentTokenIssued,
  EnrollmentTokenRedeemed,
  EnrollmentTokenRevoked,
  EnrollmentRefusal,
  EnrollmentRefused,
  EnrollmentAttemptRefusal,
  EnrollmentAttemptsRefused,
  type EnrollmentEvent,
  enrollmentEvents,
  parseEnrollmentEvent,
} from './enrollment-events.js';
