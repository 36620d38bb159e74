/**
 * `cc-otel stack init [DIR]`: a ready local Prometheus + Grafana for Claude Code's metrics
 * (docs/metrics.md#stack), as a plan — the files to write, with their text — that
 * src/stack/apply.ts writes and src/commands/stack.ts prints.
 *
 *   DIR/docker-compose.yml                        Prometheus, Grafana; an OpenTelemetry Collector
 *                                                 under the `otel-collector` profile
 *   DIR/prometheus/prometheus.yml                 scrapes `cc-otel collect` on this machine
 *   DIR/prometheus/rules/claude-code.rules.yml    alerts/prometheus/, with the budgets given
 *   DIR/grafana/provisioning/…                    the Prometheus datasource and the dashboard folder
 *   DIR/grafana/dashboards/claude-code.json       dashboards/grafana/
 *   DIR/otel-collector/config.yaml                OTLP in, delta → cumulative, Prometheus exporter out
 *   DIR/README.md
 *
 * Two network layouts, because Docker reaches "the host" differently:
 *  - `host` (default on Linux): Prometheus and Grafana share the host's network and listen on
 *    127.0.0.1 only; Prometheus scrapes 127.0.0.1:<collector port> — the collector keeps its
 *    default loopback address.
 *  - `bridge` (default elsewhere: Docker Desktop): the containers reach the host as
 *    host.docker.internal (extra_hosts: host-gateway), which Docker Desktop forwards to the host's
 *    loopback; ports are published on 127.0.0.1 only.
 */
import { CcOtelError } from '../errors.js';

export type StackNetwork = 'host' | 'bridge';

export interface StackOptions {
  /** the port `cc-otel collect` listens on (its HTTP port; default 4318) */
  collectorPort: number;
  network: StackNetwork;
  prometheusPort: number;
  grafanaPort: number;
  /** USD per rolling 24 h */
  engineerBudgetUsd: number;
  teamBudgetUsd: number;
  /** scrape the `otel-collector` profile's exporter too (and `stack up` starts that profile) */
  otelCollector: boolean;
}

export const DEFAULT_STACK: Omit<StackOptions, 'network'> = {
  collectorPort: 4318,
  prometheusPort: 9090,
  grafanaPort: 3000,
  engineerBudgetUsd: 50,
  teamBudgetUsd: 500,
  otelCollector: false,
};

/** The shipped assets the stack is built from (read by the command from the package). */
export interface StackAssets {
  dashboardJson: string;
  rulesYml: string;
}

export interface StackFile {
  /** relative to the stack dir */
  path: string;
  content: string;
}

export interface StackPlan {
  files: StackFile[];
  /** what `stack up` needs to know later (written as .cc-otel-stack.json) */
  meta: StackMeta;
}

export interface StackMeta {
  version: 1;
  network: StackNetwork;
  otelCollector: boolean;
  prometheusPort: number;
  grafanaPort: number;
  collectorPort: number;
}

export const META_FILE = '.cc-otel-stack.json';

const IMAGES = {
  prometheus: 'prom/prometheus:v2.55.1',
  grafana: 'grafana/grafana-oss:11.4.0',
  otelcol: 'otel/opentelemetry-collector-contrib:0.116.1',
};

/** The otel-collector profile's ports on the host (beside cc-otel collect's 4317/4318). */
export const OTELCOL_HTTP_PORT = 14318;
export const OTELCOL_GRPC_PORT = 14317;
const OTELCOL_METRICS_PORT = 18889;

function budget(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new CcOtelError('USAGE', `${name} must be a positive number of USD, not ${v}`);
  return v;
}

/** The shipped rules with the budgets set (the two `vector(…)` recording rules). */
export function rulesWithBudgets(rules: string, engineer: number, team: number): string {
  const out = rules
    .replace(/(record: cc_otel:daily_budget_usd:engineer\n\s+expr: )vector\([^)]*\)/, `$1vector(${budget('--engineer-budget', engineer)})`)
    .replace(/(record: cc_otel:daily_budget_usd:team\n\s+expr: )vector\([^)]*\)/, `$1vector(${budget('--team-budget', team)})`);
  if (!out.includes(`vector(${engineer})`) || !out.includes(`vector(${team})`)) throw new CcOtelError('IO', 'the shipped alert rules have no budget rules to set (a broken package?)');
  return out;
}

function compose(o: StackOptions): string {
  const host = o.network === 'host';
  const lines = [
    '# cc-otel stack: Prometheus + Grafana for Claude Code (cc-otel stack up|down|status; README.md here)',
    "version: '3.9'",
    'services:',
    '  prometheus:',
    `    image: ${IMAGES.prometheus}`,
    '    command:',
    '      - --config.file=/etc/prometheus/prometheus.yml',
    '      - --storage.tsdb.path=/prometheus',
    '      - --storage.tsdb.retention.time=400d',
    ...(host ? [`      - --web.listen-address=127.0.0.1:${o.prometheusPort}`] : []),
    '    volumes:',
    '      - ./prometheus:/etc/prometheus:ro',
    '      - prometheus-data:/prometheus',
    ...(host ? ['    network_mode: host'] : ['    ports:', `      - 127.0.0.1:${o.prometheusPort}:9090`, '    extra_hosts:', "      - 'host.docker.internal:host-gateway'"]),
    '    restart: unless-stopped',
    '  grafana:',
    `    image: ${IMAGES.grafana}`,
    '    environment:',
    "      GF_AUTH_ANONYMOUS_ENABLED: 'true'",
    '      GF_AUTH_ANONYMOUS_ORG_ROLE: Viewer',
    '      GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: /etc/grafana/dashboards/claude-code.json',
    ...(host ? ['      GF_SERVER_HTTP_ADDR: 127.0.0.1', `      GF_SERVER_HTTP_PORT: '${o.grafanaPort}'`] : []),
    '    volumes:',
    '      - ./grafana/provisioning:/etc/grafana/provisioning:ro',
    '      - ./grafana/dashboards:/etc/grafana/dashboards:ro',
    '      - grafana-data:/var/lib/grafana',
    ...(host ? ['    network_mode: host'] : ['    ports:', `      - 127.0.0.1:${o.grafanaPort}:3000`]),
    '    depends_on:',
    '      - prometheus',
    '    restart: unless-stopped',
    '  # For those who send Claude Code to an OpenTelemetry Collector instead of cc-otel collect:',
    '  # `cc-otel stack up --otel-collector` (or `docker compose --profile otel-collector up -d`).',
    '  otel-collector:',
    `    image: ${IMAGES.otelcol}`,
    '    profiles:',
    '      - otel-collector',
    '    command:',
    '      - --config=/etc/otelcol/config.yaml',
    '    volumes:',
    '      - ./otel-collector/config.yaml:/etc/otelcol/config.yaml:ro',
    ...(host
      ? ['    network_mode: host']
      : ['    ports:', `      - 127.0.0.1:${OTELCOL_HTTP_PORT}:4318`, `      - 127.0.0.1:${OTELCOL_GRPC_PORT}:4317`, `      - 127.0.0.1:${OTELCOL_METRICS_PORT}:8889`]),
    '    restart: unless-stopped',
    'volumes:',
    '  prometheus-data: {}',
    '  grafana-data: {}',
    '',
  ];
  return lines.join('\n');
}

function prometheusYml(o: StackOptions): string {
  const target = o.network === 'host' ? `127.0.0.1:${o.collectorPort}` : `host.docker.internal:${o.collectorPort}`;
  const otelcol = o.network === 'host' ? `127.0.0.1:${OTELCOL_METRICS_PORT}` : 'otel-collector:8889';
  return [
    '# Prometheus for Claude Code (cc-otel stack). Checked by `promtool check config`.',
    'global:',
    '  scrape_interval: 30s',
    '  evaluation_interval: 30s',
    'rule_files:',
    '  - rules/*.yml',
    'scrape_configs:',
    '  # `cc-otel collect` on this machine: GET /metrics (docs/metrics.md). Another machine\'s',
    '  # collector: add its host:port (it must listen there: `cc-otel collect --listen …`).',
    '  - job_name: cc-otel',
    '    static_configs:',
    `      - targets: ['${target}']`,
    ...(o.otelCollector
      ? ['  # the otel-collector profile (OTLP in, Prometheus exporter out)', '  - job_name: otel-collector', '    static_configs:', `      - targets: ['${otelcol}']`]
      : ['  # With the otel-collector profile (`cc-otel stack init --otel-collector` writes this):', '  # - job_name: otel-collector', '  #   static_configs:', `  #     - targets: ['${otelcol}']`]),
    '',
  ].join('\n');
}

function otelcolConfig(o: StackOptions): string {
  const listen = o.network === 'host' ? '127.0.0.1' : '0.0.0.0';
  const [http, grpc, metrics] = o.network === 'host' ? [OTELCOL_HTTP_PORT, OTELCOL_GRPC_PORT, OTELCOL_METRICS_PORT] : [4318, 4317, 8889];
  return [
    '# OpenTelemetry Collector (contrib) for Claude Code: OTLP in; Claude Code sends delta metrics by',
    '# default, which Prometheus cannot store: deltatocumulative turns them into cumulative series;',
    '# the Prometheus exporter names them as cc-otel collect does (claude_code_cost_usage_USD_total …)',
    '# and keeps idle series for 30 days (its default of 5 minutes is why "active sessions" panels',
    '# elsewhere read 0).',
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      grpc:',
    `        endpoint: ${listen}:${grpc}`,
    '      http:',
    `        endpoint: ${listen}:${http}`,
    'processors:',
    '  deltatocumulative:',
    '    max_stale: 720h',
    '  batch: {}',
    'exporters:',
    '  prometheus:',
    `    endpoint: ${listen}:${metrics}`,
    '    metric_expiration: 720h',
    '    resource_to_telemetry_conversion:',
    '      enabled: true',
    'service:',
    '  pipelines:',
    '    metrics:',
    '      receivers: [otlp]',
    '      processors: [deltatocumulative, batch]',
    '      exporters: [prometheus]',
    '',
  ].join('\n');
}

function datasource(o: StackOptions): string {
  const url = o.network === 'host' ? `http://127.0.0.1:${o.prometheusPort}` : 'http://prometheus:9090';
  return ['apiVersion: 1', 'datasources:', '  - name: Prometheus', '    uid: cc-otel-prometheus', '    type: prometheus', '    access: proxy', `    url: ${url}`, '    isDefault: true', ''].join('\n');
}

const DASHBOARD_PROVIDER = [
  'apiVersion: 1',
  'providers:',
  '  - name: cc-otel',
  '    folder: Claude Code',
  '    type: file',
  '    allowUiUpdates: true',
  '    options:',
  '      path: /etc/grafana/dashboards',
  '',
].join('\n');

function readme(o: StackOptions): string {
  const target = o.network === 'host' ? `127.0.0.1:${o.collectorPort}` : `host.docker.internal:${o.collectorPort}`;
  return `# Claude Code: Prometheus + Grafana (written by \`cc-otel stack init\`)

1. Run the collector Claude Code sends to (the \`local\` preset): \`cc-otel collect --detach\`
   (port ${o.collectorPort}; Prometheus scrapes its GET /metrics at ${target}).
2. \`cc-otel stack up\` here (or \`docker compose up -d\`).
3. Grafana: http://127.0.0.1:${o.grafanaPort} — dashboard "Claude Code (cc-otel)" (anonymous viewer;
   admin / admin to edit). Prometheus: http://127.0.0.1:${o.prometheusPort} — Alerts lists the rules.

\`cc-otel stack status\` shows the containers; \`cc-otel stack down\` stops them (the data stays in
the \`prometheus-data\` and \`grafana-data\` volumes; \`docker compose down -v\` removes them).

## What is here

| file | |
|---|---|
| docker-compose.yml | Prometheus ${IMAGES.prometheus}, Grafana ${IMAGES.grafana}; profile \`otel-collector\`: ${IMAGES.otelcol} |
| prometheus/prometheus.yml | scrapes cc-otel collect${o.otelCollector ? ' and the otel-collector profile' : ''} |
| prometheus/rules/claude-code.rules.yml | alerts: daily cost over budget (engineer ${o.engineerBudgetUsd} USD, team ${o.teamBudgetUsd} USD), silent sessions, API error rate, no telemetry, collector down |
| grafana/ | the datasource and the dashboard, provisioned |
| otel-collector/config.yaml | OTLP in, delta → cumulative, Prometheus exporter out |

Network: \`${o.network}\`${
    o.network === 'host'
      ? ' — Prometheus and Grafana use the host network and listen on 127.0.0.1 (Linux).'
      : ' — containers reach this machine as host.docker.internal (Docker Desktop). On Linux with this layout the collector must listen on the docker0 address: `cc-otel collect --listen 172.17.0.1`; or re-run `cc-otel stack init --network host`.'
  }

Budgets: edit the two \`vector(…)\` rules at the top of prometheus/rules/claude-code.rules.yml, then
\`curl -X POST http://127.0.0.1:${o.prometheusPort}/-/reload\` or \`cc-otel stack up\` again.

With an OpenTelemetry Collector instead of cc-otel collect: \`cc-otel stack init --otel-collector\`,
\`cc-otel stack up\`, and point Claude Code at http://127.0.0.1:${OTELCOL_HTTP_PORT} (OTLP/HTTP) or
127.0.0.1:${OTELCOL_GRPC_PORT} (gRPC), e.g. the \`otlp\` preset with that endpoint.

The same dashboard works on Grafana Cloud: Dashboards → New → Import → upload
grafana/dashboards/claude-code.json and pick your Prometheus (Mimir) datasource; its OTLP gateway
names the series the same way. More: docs/metrics.md in the cc-otel package.
`;
}

export function planStack(o: StackOptions, assets: StackAssets): StackPlan {
  for (const [name, port] of [
    ['--collector-port', o.collectorPort],
    ['--prometheus-port', o.prometheusPort],
    ['--grafana-port', o.grafanaPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CcOtelError('USAGE', `${name} must be a port number (1–65535), not ${port}`);
  }
  const meta: StackMeta = {
    version: 1,
    network: o.network,
    otelCollector: o.otelCollector,
    prometheusPort: o.prometheusPort,
    grafanaPort: o.grafanaPort,
    collectorPort: o.collectorPort,
  };
  return {
    meta,
    files: [
      { path: 'docker-compose.yml', content: compose(o) },
      { path: 'prometheus/prometheus.yml', content: prometheusYml(o) },
      { path: 'prometheus/rules/claude-code.rules.yml', content: rulesWithBudgets(assets.rulesYml, o.engineerBudgetUsd, o.teamBudgetUsd) },
      { path: 'grafana/provisioning/datasources/prometheus.yml', content: datasource(o) },
      { path: 'grafana/provisioning/dashboards/cc-otel.yml', content: DASHBOARD_PROVIDER },
      { path: 'grafana/dashboards/claude-code.json', content: assets.dashboardJson },
      { path: 'otel-collector/config.yaml', content: otelcolConfig(o) },
      { path: 'README.md', content: readme(o) },
      { path: META_FILE, content: `${JSON.stringify(meta, null, 2)}\n` },
    ],
  };
}
