#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): hook and headers run at every Claude Code session start,
// and a CJS entry + CJS bundle start ~6 ms faster than ESM. Everything else loads the ESM CLI.
const a = process.argv.slice(2), hot = (a[0] === 'headers' && a.length === 1) || (a[0] === 'hook' && a[1] && !a[1].startsWith('-') && !a.includes('--help') && !a.includes('-h'));
if (hot) require('../dist/hot.cjs').runHot(a, __filename); else import('../dist/cli.js');
