/**
 * 3. Environment lint over what cc-otel builds (the plan's variables, each with its source):
 * protocol, endpoints, temporality, resource attributes (through the real SDK parser), headers,
 * and the content switches. What Claude Code actually gets from its settings is the next group's.
 */
import { helperHeaders } from '../../otel/build-env.js';
import type { Signal } from '../../otel/endpoint.js';
import { CONTENT_SWITCHES, lintHeaders, lintSignalEndpoint, lintTemporality, type Finding } from '../lint.js';
import { truthy } from '../../claude/effective-settings.js';
import { worst } from '../runner.js';
import { attributeDiff, parseWithSdk } from '../sdk-attributes.js';
import type { Check, CheckOutcome } from '../types.js';
import { needPlan, varOf } from './state.js';

/** Findings → one outcome: the worst level, every message as a problem line, the first fix. */
export function fromFindings(findings: readonly Finding[], ok: Omit<CheckOutcome, 'status'>): CheckOutcome {
  if (!findings.length) return { status: 'pass', ...ok };
  const status = worst(...findings.map((f) => f.level));
  const fixes = [...new Set(findings.filter((f) => f.level === status).map((f) => f.fix))];
  return { ...ok, status, problems: findings.map((f) => `${f.level === 'fail' ? 'FAIL' : 'warn'}: ${f.message}`), fix: fixes.join('; ') };
}

/** "https://h/otlp/v1/{metrics,logs,traces}" when the per-signal URLs share a base. */
export function describeEndpoints(endpoints: Partial<Record<Signal, string>>): string {
  const entries = Object.entries(endpoints) as Array<[Signal, string]>;
  if (!entries.length) return 'none';
  const bases = new Set(entries.map(([s, u]) => (u.endsWith(`/v1/${s}`) ? u.slice(0, -`/v1/${s}`.length) : u)));
  if (bases.size === 1) {
    const [base] = [...bases];
    const allPerSignal = entries.every(([s, u]) => u.endsWith(`/v1/${s}`));
    return allPerSignal ? `${base}/v1/${entries.length > 1 ? `{${entries.map(([s]) => s).join(',')}}` : entries[0]![0]}` : `${base}`;
  }
  return entries.map(([s, u]) => `${s} → ${u}`).join('; ');
}

const protocolCheck: Check = {
  id: 'env.protocol',
  title: 'Protocol',
  required: true,
  needs: ['config'],
  async run(v) {
    const { plan } = needPlan(v);
    const pv = varOf(plan, 'OTEL_EXPORTER_OTLP_PROTOCOL');
    if (!pv) return { status: 'fail', value: 'OTEL_EXPORTER_OTLP_PROTOCOL is not set', fix: 'Claude Code has no default protocol: set "protocol" (http/protobuf)' };
    return {
      status: 'pass',
      value: `OTEL_EXPORTER_OTLP_PROTOCOL=${pv.value}`,
      source: pv.source,
      details: { protocol: plan.protocol, accepted: plan.preset.protocols },
    };
  },
};

const endpointsCheck: Check = {
  id: 'env.endpoints',
  title: 'Endpoints',
  required: true,
  needs: ['config'],
  async run(v) {
    const { plan } = needPlan(v);
    const findings: Finding[] = [];
    for (const s of plan.signals) {
      const url = plan.endpoints[s];
      if (!url) findings.push({ level: 'fail', message: `${s}: no endpoint built`, fix: 'set "endpoint" or the preset fields' });
      else findings.push(...lintSignalEndpoint(s, plan.protocol, url, { backend: plan.backend, sendsAuth: plan.authHeaderNames.length > 0 }));
    }
    const name = plan.protocol === 'grpc' ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : `OTEL_EXPORTER_OTLP_${(plan.signals[0] ?? 'metrics').toUpperCase()}_ENDPOINT`;
    return fromFindings(findings, {
      value: describeEndpoints(plan.endpoints),
      source: varOf(plan, name)?.source ?? `preset ${plan.backend}`,
      details: { endpoints: plan.endpoints },
    });
  },
};

const temporalityCheck: Check = {
  id: 'env.temporality',
  title: 'Metrics temporality',
  required: true,
  needs: ['config'],
  async run(v) {
    const { plan } = needPlan(v);
    if (!plan.signals.includes('metrics')) return { status: 'pass', value: 'metrics not exported' };
    const tv = varOf(plan, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE');
    return fromFindings(lintTemporality(plan.backend, plan.temporality, plan.preset.temporality), {
      value: plan.temporality,
      source: tv?.source ?? `preset ${plan.backend}`,
      details: { temporality: plan.temporality, backendWants: plan.preset.temporality },
    });
  },
};

const resourceAttributesCheck: Check = {
  id: 'env.resource-attributes',
  title: 'Resource attributes',
  required: true,
  needs: ['config'],
  async run(v) {
    const { plan } = needPlan(v);
    const rv = varOf(plan, 'OTEL_RESOURCE_ATTRIBUTES');
    const findings: Finding[] = plan.warnings
      .filter((w) => w.includes('OTEL_RESOURCE_ATTRIBUTES'))
      .map((w) => ({ level: 'warn' as const, message: w, fix: 'percent-encode "," "=" and spaces in your own OTEL_RESOURCE_ATTRIBUTES, or move the attributes to "attributes" in the config' }));
    if (!rv) return fromFindings(findings, { value: 'none set' });
    const parsed = await parseWithSdk(rv.value);
    if (parsed.discarded)
      findings.push({
        level: 'fail',
        message: `the OpenTelemetry SDK discards the whole variable: ${parsed.reason ?? 'parse error'}`,
        fix: 'remove or shorten the offending attribute: one bad entry drops every attribute',
      });
    else {
      const diff = attributeDiff(plan.resourceAttributes, parsed.attributes);
      if (diff.length)
        findings.push({ level: 'fail', message: `the SDK reads ${diff.join(', ')} differently from what cc-otel meant`, fix: 'please report this: cc-otel rendered a value the SDK parses differently' });
    }
    const pairs = Object.entries(plan.resourceAttributes);
    const shown = pairs.slice(0, 5).map(([k, val]) => `${k}=${val}`);
    return fromFindings(findings, {
      value: `${pairs.length} attribute${pairs.length === 1 ? '' : 's'}${shown.length ? `: ${shown.join(', ')}${pairs.length > shown.length ? ', …' : ''}` : ''}`,
      source: [...new Set(Object.values(plan.attributeSources))].join('; '),
      details: { attributes: plan.resourceAttributes, sources: plan.attributeSources, sdkParsed: parsed.attributes },
    });
  },
};

const headersCheck: Check = {
  id: 'env.headers',
  title: 'Headers',
  required: true,
  needs: ['config'],
  async run(v) {
    const { plan } = needPlan(v);
    const findings: Finding[] = [];
    const auth = plan.authHeaderNames.length > 0;
    const grpcWithKey = plan.protocol === 'grpc' && auth;
    if (grpcWithKey)
      findings.push({
        level: 'warn',
        message: 'protocol grpc: Claude Code ignores otelHeadersHelper with grpc, so the key can reach it only as a static OTEL_EXPORTER_OTLP_HEADERS (a settings file or the process environment)',
        fix: 'use "protocol": "http/protobuf" to keep the key out of files',
      });
    findings.push(...lintHeaders(helperHeaders(plan), { envFormOnly: grpcWithKey }));
    for (const [s, h] of Object.entries(plan.signalHeaders)) findings.push(...lintHeaders(h ?? {}, { envFormOnly: false }).map((f) => ({ ...f, message: `${s}: ${f.message}` })));
    const names = [
      ...plan.authHeaderNames.map((n) => `${n} (secret${plan.authHeaders ? '' : ', key not resolved'})`),
      ...Object.keys(plan.commonHeaders).filter((n) => !plan.authHeaderNames.includes(n)),
      ...Object.entries(plan.signalHeaders).flatMap(([s, h]) => Object.keys(h ?? {}).map((n) => `${n} (${s})`)),
    ];
    return fromFindings(findings, {
      value: names.length ? names.join(', ') : 'none (the backend takes no auth header)',
      source: auth ? `key chain → preset ${plan.backend}` : `preset ${plan.backend}`,
      details: { auth: plan.authHeaderNames, common: Object.keys(plan.commonHeaders), perSignal: Object.fromEntries(Object.entries(plan.signalHeaders).map(([s, h]) => [s, Object.keys(h ?? {})])) },
    });
  },
};

const contentCheck: Check = {
  id: 'env.content',
  title: 'Content switches',
  required: false,
  needs: ['config'],
  async run(v) {
    const { plan, loaded } = needPlan(v);
    const on = CONTENT_SWITCHES.filter((c) => truthy(varOf(plan, c.name)?.value));
    const sources = [...new Set(on.map((c) => varOf(plan, c.name)?.source).filter((s): s is string => !!s))];
    return {
      status: 'pass',
      value: on.length ? `exported: ${on.map((c) => c.label).join(', ')} (${on.map((c) => `${c.name}=1`).join(', ')})` : 'off: no prompt, response, tool or API body content is exported',
      source: sources.length ? sources.join('; ') : loaded.sources['privacy.prompts'] ? 'config "privacy"' : "Claude Code's defaults",
      details: Object.fromEntries(CONTENT_SWITCHES.map((c) => [c.name, truthy(varOf(plan, c.name)?.value)])),
    };
  },
};

export const envChecks: readonly Check[] = [protocolCheck, endpointsCheck, temporalityCheck, resourceAttributesCheck, headersCheck, contentCheck];
