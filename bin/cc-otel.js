#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): hook and headers run at every Claude Code session start,
// and a CJS entry + CJS bundle start ~6 ms faster than ESM. The hot bundle loads through a V8 code
// cache (src/boot.ts); everything else loads the ESM CLI.
const a = process.argv.slice(2), hot = (a[0] === 'headers' && a.length === 1) || (a[0] === 'hook' && a[1] && !a[1].startsWith('-') && !a.includes('--help') && !a.includes('-h'));
if (hot) require('../dist/boot.cjs').loadHot(require('node:path').join(__dirname, '../dist/hot.cjs')).mod.runHot(a, __filename); else import('../dist/cli.js');
