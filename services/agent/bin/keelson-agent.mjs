#!/usr/bin/env node
// The compiled agent (npx tsc -b services/agent); see services/agent/src/cli/keelson-agent.ts.
import { main } from '../dist/cli/keelson-agent.js';

process.exit(await main(process.argv.slice(2)));
