export { type Reactor } from './reactor.js';
export { ReactorRunner, type ReactorRunnerOptions } from './reactor-runner.js';
