/**
 * The embedded default backend (issue 6): OTLP receiver + durable store. What other modules and
 * tests use; see docs/collect.md for the design.
 */
export { startCollector, isLoopback, DEFAULT_GRPC_PORT, DEFAULT_HOST, DEFAULT_HTTP_PORT } from './collector.js';
export type { CollectorOptions, CollectorState, CollectorStats, RunningCollector } from './collector.js';
export { claudeCodeSessionIds, findProbe } from './reader.js';
export { PROBE_ATTRIBUTE } from './index-builder.js';
export { readRequests } from './requests.js';
export type { StoredRequest } from './requests.js';
export { readCollectorStatus, spawnDetached, stopCollector } from './daemon.js';
export type { CollectorStatus, StopResult } from './daemon.js';
