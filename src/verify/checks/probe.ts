/**
 * 5. Probe exports: one real, non-empty record per enabled signal, sent with the plan's protocol,
 * endpoint, headers (auth + common + per-signal) and temporality — what Claude Code will send
 * (style.md habit 13) — through sendProbe() (official SDK records and serializers), marked with
 * the run's probe id. Every outcome class has its own hint (src/probe/classify.ts).
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { helperHeaders, type TelemetryPlan } from '../../otel/build-env.js';
import type { Signal } from '../../otel/endpoint.js';
import type { ProbeOutcome, ProbeTlsOptions } from '../../probe/index.js';
import type { Check, CheckOutcome, VerifyContext } from '../types.js';
import { needPlan } from './state.js';

/** Leave this much of the --timeout for the checks after the probes. */
const RESERVE_MS = 1000;
const MAX_PROBE_MS = 10_000;

/** mTLS / extra CA the way Claude Code's exporters pick them up (claude-code-facts §6). */
export function probeTls(plan: TelemetryPlan, env: Readonly<Record<string, string | undefined>>): ProbeTlsOptions | undefined {
  const read = (name: string): Buffer | undefined => {
    const p = env[name];
    if (!p) return undefined;
    try {
      return readFileSync(p);
    } catch (e) {
      throw new Error(`cannot read ${name}=${p}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  };
  const tls: ProbeTlsOptions = {};
  if (plan.protocol === 'grpc') {
    const ca = read('OTEL_EXPORTER_OTLP_CERTIFICATE');
    const cert = read('OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE');
    const key = read('OTEL_EXPORTER_OTLP_CLIENT_KEY');
    if (ca) tls.ca = ca;
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
  } else {
    const extra = read('NODE_EXTRA_CA_CERTS');
    const cert = read('CLAUDE_CODE_CLIENT_CERT');
    const key = read('CLAUDE_CODE_CLIENT_KEY');
    // `ca` replaces Node's store: keep the public roots and add the extra bundle, as NODE_EXTRA_CA_CERTS does.
    if (extra) tls.ca = `${rootCertificates.join('\n')}\n${extra.toString('utf8')}`;
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
  }
  return Object.keys(tls).length ? tls : undefined;
}

export function probeOutcomeResult(o: ProbeOutcome): CheckOutcome {
  const code = o.httpStatus !== undefined ? `HTTP ${o.httpStatus}` : o.grpcStatusName ? `gRPC ${o.grpcStatusName}` : undefined;
  const tries = o.attempts > 1 ? `, ${o.attempts} attempts` : '';
  const details: Record<string, unknown> = {
    status: o.status,
    probeId: o.probeId,
    protocol: o.protocol,
    endpoint: o.endpoint,
    headerNames: o.headerNames,
    attempts: o.attempts,
    durationMs: o.durationMs,
    sentAt: new Date(o.sentAtMs).toISOString(),
    ...(o.httpStatus !== undefined ? { httpStatus: o.httpStatus } : {}),
    ...(o.grpcStatusName ? { grpcStatus: o.grpcStatusName } : {}),
    ...(o.rejected !== undefined ? { rejected: o.rejected } : {}),
    ...(o.retryAfterMs !== undefined ? { retryAfterMs: o.retryAfterMs } : {}),
    ...(o.temporality ? { temporality: o.temporality } : {}),
    resourceKeys: Object.keys(o.resource),
  };
  const source = `${o.protocol} ${o.endpoint}${o.headerNames.length ? ` · headers ${o.headerNames.join(', ')}` : ''}${o.temporality ? ` · ${o.temporality}` : ''}`;
  // partial_success with rejected 0 and a message: the record went in, the message is a warning (backends.md §5.5).
  if (o.ok && o.status === 'partial') return { status: 'warn', value: `${o.status}: ${o.message}`, source, ...(o.hint ? { fix: o.hint } : {}), details };
  if (o.ok) return { status: 'pass', value: `accepted (${code ?? 'ok'} in ${o.durationMs} ms${tries})`, source, details };
  return { status: 'fail', value: `${o.status}: ${o.message}`, source, ...(o.hint ? { fix: o.hint } : {}), details };
}

function probeCheck(signal: Signal): Check {
  return {
    id: `probe.${signal}`,
    title: `Probe ${signal}`,
    required: true,
    needs: ['config', 'key'],
    async run(v: VerifyContext) {
      const { plan } = needPlan(v);
      if (!plan.signals.includes(signal)) return { status: 'skip', fix: `${signal} not exported (signals: ${plan.signals.join(', ')})` };
      const endpoint = plan.endpoints[signal];
      if (!endpoint) return { status: 'fail', value: `no ${signal} endpoint in the plan`, fix: 'check the config' };
      const budget = Math.min(MAX_PROBE_MS, v.remainingMs() - RESERVE_MS);
      // A probe that cannot run proved nothing: fail, so even a run that sent no probe cannot exit 0.
      if (budget <= 0)
        return {
          status: 'fail',
          value: `not sent: ${Math.max(0, v.remainingMs())} ms of the --timeout left, ${RESERVE_MS} ms are kept for the checks after the probes`,
          fix: 'raise --timeout (the whole run is bounded by it)',
        };
      let tls: ProbeTlsOptions | undefined;
      try {
        tls = probeTls(plan, { ...v.ctx.env, ...(v.state.settingsEnv ?? {}) });
      } catch (e) {
        return { status: 'fail', value: (e as Error).message, fix: 'fix the certificate path (the exporter cannot read it either)' };
      }
      const send = v.deps.sendProbe ?? (await import('../../probe/index.js')).sendProbe;
      v.progress(`sending the ${signal} probe to ${endpoint}`);
      const outcome = await send({
        signal,
        protocol: plan.protocol,
        endpoint,
        headers: { ...helperHeaders(plan), ...(plan.signalHeaders[signal] ?? {}) },
        ...(signal === 'metrics' ? { temporality: plan.temporality } : {}),
        probeId: v.state.probeId,
        resourceAttributes: plan.resourceAttributes,
        timeoutMs: budget,
        abortSignal: v.signal,
        ...(tls ? { tls } : {}),
        ...(plan.protocol === 'grpc' && endpoint.startsWith('http://') ? { insecure: true } : {}),
      });
      v.state.probes[signal] = outcome;
      return probeOutcomeResult(outcome);
    },
  };
}

export const PROBE_SIGNALS: readonly Signal[] = ['metrics', 'logs', 'traces'];
export const probeChecks: readonly Check[] = PROBE_SIGNALS.map(probeCheck);
