/**
 * Running the bridge for a command: resolve the destination the configuration names (config, key
 * chain + cache, resource attributes — resolve-telemetry.ts, as every command does), then tick once
 * or every interval. The key is resolved again every 5 minutes and after a failed export, and the
 * pipeline rebuilt when the endpoint or headers changed (a rotated key).
 */
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { signalExportHeaders } from '../events/exporter.js';
import { resolveTelemetry } from '../resolve-telemetry.js';
import type { TelemetryPlan } from '../otel/build-env.js';
import type { Config } from '../config/schema.js';
import { createBridge, type Bridge, type TickResult } from './bridge.js';
import { seenPath } from './seen-sessions.js';

export interface RunBridgeOptions {
  ctx: Context;
  version: string;
  timeoutMs: number;
  graceMs?: number;
  notConfiguredHint: string;
  /** config flags over the files (collect --bridge: this collector as the destination) */
  flags?: Config;
  /** the embedded collector's data dir, known to the caller (collect --bridge) */
  dataDir?: string;
}

/** The embedded collector's data dir when the backend is it (the same rule as verify's readback). */
export function collectorDataDir(ctx: Context, plan: TelemetryPlan, config: { verify?: { local?: { dataDir?: string } } }, dataDirDefault: string): string | undefined {
  if (plan.backend !== 'local' && !config.verify?.local?.dataDir) return undefined;
  return config.verify?.local?.dataDir ?? ctx.env.CC_OTEL_DATA_DIR ?? dataDirDefault;
}

export async function resolveBridgePlan(ctx: Context, hint: string, flags?: Config): Promise<{ plan: TelemetryPlan; stateDir: string; dataDir: string | undefined }> {
  const r = await resolveTelemetry(ctx, { key: 'if-needed', ...(flags ? { flags } : {}) });
  if (r.inert) throw new CcOtelError('CONFIG_NOT_FOUND', 'cc-otel is not configured, so the bridge has no destination', { hint });
  if (r.chain?.error && r.plan.keyNeeded === 'required') throw r.chain.error;
  return { plan: r.plan, stateDir: r.dirs.state, dataDir: collectorDataDir(ctx, r.plan, r.loaded.config, r.dirs.data) };
}

const fingerprint = (plan: TelemetryPlan): string => JSON.stringify([plan.protocol, plan.endpoints.metrics ?? plan.base, signalExportHeaders(plan, 'metrics'), plan.temporality, plan.resourceAttributes]);

export const RESOLVE_EVERY_MS = 5 * 60 * 1000;

/** A bridge whose destination is re-resolved every RESOLVE_EVERY_MS and after a failed export. */
export async function openBridge(o: RunBridgeOptions): Promise<{ tick(): Promise<TickResult & { endpoint: string; protocol: string }>; close(): Promise<void> }> {
  let bridge: Bridge | undefined;
  let fp = '';
  let resolvedAt = -Infinity;
  let lastOk = true;
  return {
    tick: async () => {
      // The configuration and key are resolved again every 5 minutes, and after a failed export
      // (a rotated key, an edited config) — not every tick: that is most of a tick's cost.
      const t = o.ctx.now();
      if (bridge && lastOk && t - resolvedAt < RESOLVE_EVERY_MS) {
        const r = await bridge.tick();
        lastOk = r.export.ok;
        return { ...r, endpoint: bridge.endpoint, protocol: bridge.protocol };
      }
      const resolved = await resolveBridgePlan(o.ctx, o.notConfiguredHint, o.flags);
      resolvedAt = t;
      const { plan, stateDir } = resolved;
      const dataDir = o.dataDir ?? resolved.dataDir;
      const f = fingerprint(plan);
      if (!bridge || f !== fp) {
        await bridge?.shutdown();
        bridge = await createBridge(plan, {
          homeDir: o.ctx.homeDir,
          seenFile: seenPath(stateDir),
          version: o.version,
          timeoutMs: o.timeoutMs,
          collectorDataDir: dataDir,
          now: o.ctx.now,
          ...(o.graceMs !== undefined ? { graceMs: o.graceMs } : {}),
        });
        fp = f;
      }
      const r = await bridge.tick();
      lastOk = r.export.ok;
      return { ...r, endpoint: bridge.endpoint, protocol: bridge.protocol };
    },
    close: async () => {
      await bridge?.shutdown();
    },
  };
}

/** One line per tick, for people (`--json` prints the whole result). */
export function describeTick(r: TickResult & { endpoint: string; protocol: string }): string {
  const silent = r.silent === undefined ? '' : `, ${r.silent} silent`;
  const started = r.started.length ? `, ${r.started.length} new` : '';
  const skipped = r.skipped ? `, ${r.skipped} manifest file(s) skipped` : '';
  const sent = r.export.ok ? `exported to ${r.endpoint} (${r.protocol})` : `NOT exported to ${r.endpoint}: ${r.export.error}`;
  return `${r.at} ${r.live} live, ${r.stale} stale${silent}${started}${skipped}: ${sent}`;
}
