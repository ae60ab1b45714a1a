export {
  maxArmDevices,
  ExperimentPlanSpec,
  ExperimentOnSuccess,
  ExperimentCreated,
  ExperimentArmsAssigned,
  ExperimentRolloutStarted,
  ExperimentDecided,
  ExperimentStopped,
  ExperimentSettled,
  type ExperimentEvent,
  experimentEvents,
  parseExperimentEvent,
} from './experiment-events.js';
