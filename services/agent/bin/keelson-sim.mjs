#!/usr/bin/env node
// The compiled fleet simulator (npx tsc -b services/agent); see services/agent/src/cli/keelson-sim.ts.
import { main } from '../dist/cli/keelson-sim.js';

process.exit(await main(process.argv.slice(2)));
