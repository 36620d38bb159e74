/**
 * The checks, in order (issue 4). Later checks read what earlier ones left in `vctx.state` and
 * declare it in `needs`, so a failed config or key skips the probes with the reason.
 *
 *   1. config                         valid, backend known, preset fields present
 *   1b. config.project                the project file: trusted, what of it applied, files skipped
 *   2. key                            resolved, and from which source
 *   3. env.*                          protocol, endpoints, temporality, resource attributes, headers, content
 *   4. claude.*                       Claude Code's own telemetry, headers helper (+ a timed run), SessionStart hook
 *   5. probe.<signal>                 one real record per enabled signal
 *   6. readback.<signal>              (--query) the probe found in the backend
 */
import type { Check } from '../types.js';
import { claudeChecks } from './claude.js';
import { configCheck, projectCheck } from './config.js';
import { envChecks } from './env.js';
import { keyCheck } from './key.js';
import { probeChecks } from './probe.js';
import { readbackChecks } from './readback.js';

export const CHECKS: readonly Check[] = [configCheck, projectCheck, keyCheck, ...envChecks, ...claudeChecks, ...probeChecks, ...readbackChecks];

export { configCheck, projectCheck, keyCheck, envChecks, claudeChecks, probeChecks, readbackChecks };
