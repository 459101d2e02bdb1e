#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled CLI module.
import('../dist/cli/main.js').then((m) => m.main(process.argv));
