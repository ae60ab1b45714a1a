#!/usr/bin/env node
// The operator CLI; the compiled code lives in ../dist (npx tsc -b services/cli).
import '../dist/main.js';
