/**
 * The config file's shape, as one table. Validation walks the table and returns every problem
 * at once (file, key, what is allowed) instead of stopping at the first.
 */
import { PRESET_NAMES } from '../backends/index.js';
import { PROTOCOLS, SIGNALS, type Protocol, type Signal } from '../otel/endpoint.js';
import type { Temporality } from '../backends/types.js';
import { refProblem, tryParseKeyRef } from '../secrets/refs.js';
import { isFieldRefChain, normalizeFieldRefs, REFABLE_FIELDS, type Refable } from '../field-refs/shape.js';

export interface Config {
  backend?: string;
  endpoint?: Refable;
  protocol?: Protocol;
  region?: Refable;
  site?: Refable;
  instanceId?: Refable;
  dataset?: Refable;
  datasets?: Partial<Record<Signal, Refable>>;
  publicKey?: Refable;
  ingestionVersion?: Refable;
  header?: Refable;
  headerValue?: Refable;
  key?: string[];
  engineer?: string;
  team?: string;
  org?: string;
  attributes?: Record<string, string>;
  signals?: Signal[];
  temporality?: Temporality;
  privacy?: { prompts?: boolean; assistantResponses?: boolean; toolDetails?: boolean; toolContent?: boolean; rawApiBodies?: boolean };
  intervals?: { metricsMs?: number; logsMs?: number; tracesMs?: number };
  cardinality?: { sessionId?: boolean; version?: boolean; accountUuid?: boolean; entrypoint?: boolean; resourceAttributes?: boolean };
  sessionEnv?: { includeSecrets?: boolean };
  cache?: { enabled?: boolean; ttlSeconds?: number; maxAgeSeconds?: number };
  deadlineMs?: number;
  events?: { logFile?: string; projectLog?: boolean; rotateBytes?: number; ship?: boolean };
  verify?: VerifyConfig;
}

/** Read-back credentials for `cc-otel verify --query` (docs/verify.md). Key fields are key references. */
export interface VerifyConfig {
  signoz?: { url?: string; apiKey?: string[] };
  grafana?: {
    token?: string[];
    lokiUrl?: string;
    lokiUser?: string;
    prometheusUrl?: string;
    prometheusUser?: string;
    tempoUrl?: string;
    tempoUser?: string;
  };
  honeycomb?: { apiKey?: string[]; apiUrl?: string };
  datadog?: { apiKey?: string[]; applicationKey?: string[] };
  newrelic?: { apiKey?: string[]; accountId?: string };
  local?: { dataDir?: string };
}

type FieldType =
  | { type: 'string' }
  | { type: 'url' }
  | { type: 'enum'; choices: readonly string[] }
  | { type: 'boolean' }
  | { type: 'int'; min: number; max: number }
  | { type: 'stringArray'; itemChoices?: readonly string[]; keyRefs?: true }
  | { type: 'stringMap'; keys?: readonly string[]; /** each value may be read from the secret store */ refableValues?: true }
  | { type: 'object'; fields: Readonly<Record<string, FieldSpec>> };

/** `refable`: the value may instead be read from the secret store, {"ref": …, "json": …} (src/field-refs/) */
export type FieldSpec = FieldType & { description: string; refable?: true };

const bool = (description: string): FieldSpec => ({ type: 'boolean', description });
/** Ordered key references (like "key"); a single string is accepted in the file. */
const keyRefs = (what: string): FieldSpec => ({ type: 'stringArray', keyRefs: true, description: `key reference, or a list tried in order (env:NAME, op://…), for ${what}` });

export const CONFIG_FIELDS: Readonly<Record<string, FieldSpec>> = {
  $schema: { type: 'string', description: 'JSON schema reference (ignored)' },
  backend: { type: 'enum', choices: PRESET_NAMES, description: 'backend preset' },
  endpoint: { type: 'url', description: 'OTLP base URL (overrides the preset\'s)', refable: true },
  protocol: { type: 'enum', choices: PROTOCOLS, description: 'OTLP protocol (default http/protobuf: the headers helper only works over HTTP)' },
  region: { type: 'string', description: 'preset region (signoz-cloud, honeycomb, newrelic, langfuse)', refable: true },
  site: { type: 'string', description: 'Datadog site, e.g. datadoghq.eu', refable: true },
  instanceId: { type: 'string', description: 'Grafana Cloud stack instance ID', refable: true },
  dataset: { type: 'string', description: 'Honeycomb metrics dataset', refable: true },
  datasets: { type: 'stringMap', keys: SIGNALS, description: 'Axiom dataset per signal', refableValues: true },
  publicKey: { type: 'string', description: 'Langfuse public key', refable: true },
  ingestionVersion: { type: 'enum', choices: ['4'], description: 'Langfuse: send x-langfuse-ingestion-version (4 = real-time ingestion on Langfuse Cloud v4)', refable: true },
  header: { type: 'string', description: 'generic otlp preset: auth header name', refable: true },
  headerValue: { type: 'string', description: 'generic otlp preset: auth header template with {key}', refable: true },
  key: { type: 'stringArray', keyRefs: true, description: 'ordered key references, the first that yields a key wins: env:NAME, dotenv:NAME, op://…, gcp-sm://projects/P/secrets/S[/versions/V]; one string ("env:X") is a one-element chain' },
  engineer: { type: 'string', description: 'engineer attribute (default $USER)' },
  team: { type: 'string', description: 'team attribute' },
  org: { type: 'string', description: 'org attribute' },
  attributes: { type: 'stringMap', description: 'extra resource attributes' },
  signals: { type: 'stringArray', itemChoices: SIGNALS, description: 'signals to export (default: all the backend accepts)' },
  temporality: { type: 'enum', choices: ['delta', 'cumulative'], description: 'metrics temporality (default: the backend\'s)' },
  privacy: {
    type: 'object',
    description: 'content switches, all off by default',
    fields: {
      prompts: bool('OTEL_LOG_USER_PROMPTS: include prompt text'),
      assistantResponses: bool('OTEL_LOG_ASSISTANT_RESPONSES: include response text'),
      toolDetails: bool('OTEL_LOG_TOOL_DETAILS: include tool parameters'),
      toolContent: bool('OTEL_LOG_TOOL_CONTENT: include tool input/output content'),
      rawApiBodies: bool('OTEL_LOG_RAW_API_BODIES: include raw API bodies'),
    },
  },
  intervals: {
    type: 'object',
    description: 'export intervals in milliseconds',
    fields: {
      metricsMs: { type: 'int', min: 1000, max: 3_600_000, description: 'OTEL_METRIC_EXPORT_INTERVAL' },
      logsMs: { type: 'int', min: 100, max: 3_600_000, description: 'OTEL_LOGS_EXPORT_INTERVAL' },
      tracesMs: { type: 'int', min: 100, max: 3_600_000, description: 'OTEL_TRACES_EXPORT_INTERVAL' },
    },
  },
  cardinality: {
    type: 'object',
    description: 'metric attribute switches',
    fields: {
      sessionId: bool('OTEL_METRICS_INCLUDE_SESSION_ID'),
      version: bool('OTEL_METRICS_INCLUDE_VERSION'),
      accountUuid: bool('OTEL_METRICS_INCLUDE_ACCOUNT_UUID'),
      entrypoint: bool('OTEL_METRICS_INCLUDE_ENTRYPOINT'),
      resourceAttributes: bool('OTEL_METRICS_INCLUDE_RESOURCE_ATTRIBUTES'),
    },
  },
  sessionEnv: {
    type: 'object',
    description: 'what the SessionStart hook writes to $CLAUDE_ENV_FILE',
    fields: { includeSecrets: bool('also write the secret auth headers (default false)') },
  },
  cache: {
    type: 'object',
    description: 'key cache for slow sources (1Password, Secret Manager)',
    fields: {
      enabled: bool('default true'),
      ttlSeconds: { type: 'int', min: 0, max: 7 * 86400, description: 'fresh for this long (default 3600)' },
      maxAgeSeconds: { type: 'int', min: 0, max: 30 * 86400, description: 'served stale while refreshing up to this age (default 86400)' },
    },
  },
  deadlineMs: { type: 'int', min: 200, max: 60_000, description: 'hard deadline for hook and headers (default 5000)' },
  events: {
    type: 'object',
    description: 'hook event log',
    fields: {
      logFile: { type: 'string', description: 'JSONL path inside ~/.claude/logs, cc-otel\'s own dirs or (from ${CLAUDE_PROJECT_DIR} or a relative path) <project>/.claude/logs (default ~/.claude/logs/hooks.jsonl)' },
      projectLog: bool('write to ${CLAUDE_PROJECT_DIR}/.claude/logs/hooks.jsonl instead'),
      rotateBytes: { type: 'int', min: 4096, max: 1 << 30, description: 'rotate the log at this size (default 10 MiB)' },
      ship: bool('ship events as OTLP logs (default true when a backend is configured)'),
    },
  },
  verify: {
    type: 'object',
    description: 'read-back credentials for `cc-otel verify --query` (docs/verify.md); key fields are key references like "key", resolved through the same chain',
    fields: {
      signoz: {
        type: 'object',
        description: 'SigNoz query API',
        fields: {
          url: { type: 'url', description: 'the SigNoz instance (UI) URL, e.g. https://acme.signoz.cloud — not the ingest host' },
          apiKey: keyRefs('a Service Account API key (Settings → Service Accounts); the ingestion key cannot read'),
        },
      },
      grafana: {
        type: 'object',
        description: 'Grafana Cloud Loki / Prometheus / Tempo (each has its own user ID)',
        fields: {
          token: keyRefs('an access-policy token with logs:read, metrics:read, traces:read'),
          lokiUrl: { type: 'url', description: 'Loki URL from the portal, e.g. https://logs-prod-012.grafana.net' },
          lokiUser: { type: 'string', description: 'Loki user (numeric ID)' },
          prometheusUrl: { type: 'url', description: 'Prometheus URL, e.g. https://prometheus-prod-24-prod-eu-west-2.grafana.net/api/prom' },
          prometheusUser: { type: 'string', description: 'Prometheus user (numeric ID)' },
          tempoUrl: { type: 'url', description: 'Tempo URL, e.g. https://tempo-prod-10-prod-eu-west-2.grafana.net/tempo' },
          tempoUser: { type: 'string', description: 'Tempo user (numeric ID)' },
        },
      },
      honeycomb: {
        type: 'object',
        description: 'Honeycomb API (proves the dataset was written after the probe)',
        fields: {
          apiKey: keyRefs('a Configuration key (an Ingest key cannot read datasets)'),
          apiUrl: { type: 'url', description: 'default https://api.honeycomb.io, or https://api.eu1.honeycomb.io for region eu' },
        },
      },
      datadog: {
        type: 'object',
        description: 'Datadog API (site from "site")',
        fields: {
          apiKey: keyRefs('the API key (default: the ingest key from "key")'),
          applicationKey: keyRefs('an application key with logs_read_data / timeseries_query (without it only the API key is checked)'),
        },
      },
      newrelic: {
        type: 'object',
        description: 'New Relic NerdGraph (region from "region")',
        fields: {
          apiKey: keyRefs('a User key (NRAK-…), not the ingest License key'),
          accountId: { type: 'string', description: 'the account ID (numeric)' },
        },
      },
      local: {
        type: 'object',
        description: 'a `cc-otel collect` data directory (default for backend local; set it to read back from a collector behind another preset)',
        fields: { dataDir: { type: 'string', description: 'default $CC_OTEL_DATA_DIR or the user data dir' } },
      },
    },
  },
};

export interface ValidationProblem {
  key: string;
  message: string;
}

function describeType(f: FieldSpec): string {
  switch (f.type) {
    case 'enum':
      return `one of ${f.choices.join(', ')}`;
    case 'int':
      return `an integer from ${f.min} to ${f.max}`;
    case 'stringArray':
      return f.itemChoices ? `an array of ${f.itemChoices.join(' | ')}` : 'an array of strings';
    case 'stringMap':
      return f.keys ? `an object with string values for ${f.keys.join(', ')}` : 'an object with string values';
    case 'object':
      return `an object with keys ${Object.keys(f.fields).join(', ')}`;
    case 'url':
      return 'an http(s) URL';
    default:
      return `a ${f.type}`;
  }
}

function validateValue(key: string, spec: FieldSpec, v: unknown, out: ValidationProblem[]): void {
  const bad = (got: string): void => {
    out.push({ key, message: `must be ${describeType(spec)}${got}` });
  };
  // A reference chain (normalised by validateConfig): checked after resolution, as the value it yields.
  if (spec.refable && isFieldRefChain(v)) return;
  switch (spec.type) {
    case 'string':
      if (typeof v !== 'string') bad(`, got ${JSON.stringify(v)}`);
      return;
    case 'url':
      if (typeof v !== 'string') return bad(`, got ${JSON.stringify(v)}`);
      // "otel.mycorp.internal:4318" parses as scheme "otel.mycorp.internal:": say what is missing.
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(v)) return bad(`, got "${v}" without a scheme: write http://${v} or https://${v}`);
      try {
        const u = new URL(v);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(`, got scheme ${u.protocol}`);
      } catch {
        bad(`, got "${v}"`);
      }
      return;
    case 'enum':
      if (typeof v !== 'string' || !spec.choices.includes(v)) bad(`, got ${JSON.stringify(v)}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') bad(`, got ${JSON.stringify(v)}`);
      return;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < spec.min || v > spec.max) bad(`, got ${JSON.stringify(v)}`);
      return;
    case 'stringArray':
      if (spec.keyRefs) return validateKeyRefs(key, v, out);
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || (spec.itemChoices && !spec.itemChoices.includes(x))))
        bad(`, got ${JSON.stringify(v)}`);
      return;
    case 'stringMap':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(`, got ${JSON.stringify(v)}`);
      for (const [k, x] of Object.entries(v)) {
        if (spec.keys && !spec.keys.includes(k)) out.push({ key: `${key}.${k}`, message: `unknown key; allowed: ${spec.keys.join(', ')}` });
        else if (spec.refableValues && isFieldRefChain(x)) continue;
        else if (typeof x !== 'string') out.push({ key: `${key}.${k}`, message: `must be a string, got ${JSON.stringify(x)}` });
      }
      return;
    case 'object':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(`, got ${JSON.stringify(v)}`);
      validateObject(v as Record<string, unknown>, spec.fields, `${key}.`, out);
      return;
  }
}

/**
 * Key references are checked here, at load time, so a key pasted where its reference belongs is
 * refused before anything runs — and never echoed (the messages reach stderr and the error log).
 */
function validateKeyRefs(key: string, v: unknown, out: ValidationProblem[]): void {
  if (!Array.isArray(v)) return void out.push({ key, message: `must be a key reference or a list of them, got ${v === null ? 'null' : typeof v}` });
  v.forEach((x, i) => {
    const which = v.length > 1 ? `entry ${i + 1}: ` : '';
    if (typeof x !== 'string') out.push({ key, message: `${which}must be a string key reference, got ${x === null ? 'null' : typeof x}` });
    else if (!tryParseKeyRef(x)) out.push({ key, message: `${which}${refProblem(x)}` });
  });
}

function validateObject(obj: Record<string, unknown>, fields: Readonly<Record<string, FieldSpec>>, prefix: string, out: ValidationProblem[]): void {
  for (const [k, v] of Object.entries(obj)) {
    const spec = Object.hasOwn(fields, k) ? fields[k] : undefined;
    if (!spec) {
      out.push({ key: `${prefix}${k}`, message: `unknown key; allowed: ${Object.keys(fields).filter((f) => f !== '$schema').join(', ')}` });
      continue;
    }
    validateValue(`${prefix}${k}`, spec, v, out);
  }
}

/** Validate a parsed config file. `key` may be a single string in the file: normalised here. */
export function validateConfig(raw: unknown): { config: Config; problems: ValidationProblem[] } {
  const problems: ValidationProblem[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { config: {}, problems: [{ key: '(root)', message: 'must be a JSON object' }] };
  }
  const obj = { ...(raw as Record<string, unknown>) };
  if (typeof obj.key === 'string') obj.key = [obj.key];
  normalizeVerifyRefs(obj);
  normalizeFieldRefLayer(obj, problems);
  validateObject(obj, CONFIG_FIELDS, '', problems);
  delete obj.$schema;
  return { config: obj as Config, problems };
}

/**
 * Preset fields given as {"ref": …, "json": …} (or a list of references) become their chain, a list:
 * merged as one value (a higher layer replaces it whole, never field by field). A malformed one is
 * reported here and dropped, so it is reported once.
 */
function normalizeFieldRefLayer(obj: Record<string, unknown>, problems: ValidationProblem[]): void {
  const one = (holder: Record<string, unknown>, k: string, path: string) => {
    const n = normalizeFieldRefs(holder[k]);
    if (!n) return;
    if (n.problems.length) {
      for (const message of n.problems) problems.push({ key: path, message });
      delete holder[k];
    } else holder[k] = n.chain;
  };
  for (const f of REFABLE_FIELDS) one(obj, f, f);
  const ds = obj.datasets;
  if (typeof ds === 'object' && ds !== null && !Array.isArray(ds)) {
    const copy = { ...(ds as Record<string, unknown>) };
    for (const k of Object.keys(copy)) one(copy, k, `datasets.${k}`);
    obj.datasets = copy;
  }
}

/** `verify.<backend>.<keyField>` may be one reference in the file, like "key": normalised to a list (copies, never mutates the input). */
function normalizeVerifyRefs(obj: Record<string, unknown>): void {
  const v = obj.verify;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return;
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  for (const [name, spec] of Object.entries(verifyFields())) {
    const section = out[name];
    if (spec.type !== 'object' || typeof section !== 'object' || section === null || Array.isArray(section)) continue;
    const copy: Record<string, unknown> = { ...(section as Record<string, unknown>) };
    for (const [k, f] of Object.entries(spec.fields)) if (f.type === 'stringArray' && typeof copy[k] === 'string') copy[k] = [copy[k]];
    out[name] = copy;
  }
  obj.verify = out;
}

function verifyFields(): Readonly<Record<string, FieldSpec>> {
  const f = CONFIG_FIELDS.verify;
  return f && f.type === 'object' ? f.fields : {};
}

/**
 * The problems of one preset field's value read from the secret store (issue #17): the same rules
 * as the value written in the file ("endpoint" an http(s) URL, "ingestionVersion" one of its
 * choices), applied after resolution. `path`: "endpoint", "datasets.traces".
 */
export function fieldValueProblems(path: string, value: string): string[] {
  const [head, sub] = path.split('.');
  const top = head !== undefined && Object.hasOwn(CONFIG_FIELDS, head) ? CONFIG_FIELDS[head] : undefined;
  const spec: FieldSpec | undefined = sub === undefined ? top : top ? { type: 'string', description: top.description } : undefined;
  if (!spec) return [];
  const out: ValidationProblem[] = [];
  validateValue(path, spec, value, out);
  return out.map((p) => p.message);
}
