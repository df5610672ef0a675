#!/usr/bin/env node
// Runs the built CLI; inside the workspace without a build, `npx tsx --conditions=source packages/cli/src/bin.ts`.
import '../dist/bin.js';
