// @keelson/cli/testing: the built CLI as other projects' specs run it (test-only, run from source by Jest).
export { keelson, keelsonWithStdin, type CliRun } from './run-cli.js';
