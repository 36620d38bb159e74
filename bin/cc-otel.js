#!/usr/bin/env node
// Shim: the real entry is the esbuild bundle (see scripts/build.mjs).
import '../dist/cli.js';
