/**
 * `cc-otel stack init|up|down|status [DIR]`: a local Prometheus + Grafana for Claude Code's
 * metrics, with the dashboard and the alert rules provisioned (docs/metrics.md#stack).
 */
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';

const DEFAULT_DIR = 'cc-otel-stack';

interface InitOptions {
  collectorPort: string;
  prometheusPort: string;
  grafanaPort: string;
  engineerBudget: string;
  teamBudget: string;
  network?: 'host' | 'bridge';
  otelCollector?: boolean;
  force?: boolean;
}

function num(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new CcOtelError('USAGE', `${flag} takes a number, not "${v}"`);
  return n;
}

export function define(program: Command, getCtx: () => Context): void {
  const stack = program
    .command('stack')
    .description('a local Prometheus + Grafana (Docker Compose) with the Claude Code dashboard and alert rules')
    .addHelpText(
      'after',
      `
  cc-otel stack init [DIR]     write docker-compose.yml, prometheus/, grafana/, README.md (default DIR: ./${DEFAULT_DIR})
  cc-otel stack up [DIR]       docker compose up -d
  cc-otel stack down [DIR]     docker compose down (the data volumes stay)
  cc-otel stack status [DIR]   docker compose ps

Prometheus scrapes \`cc-otel collect\`'s GET /metrics on this machine; run it too (cc-otel collect --detach).
See docs/metrics.md.`,
    );

  stack
    .command('init [dir]')
    .description('write a ready stack into DIR')
    .option('--collector-port <port>', "cc-otel collect's HTTP port, scraped by Prometheus", '4318')
    .option('--prometheus-port <port>', 'Prometheus on 127.0.0.1', '9090')
    .option('--grafana-port <port>', 'Grafana on 127.0.0.1', '3000')
    .option('--engineer-budget <usd>', "alert when an engineer's cost over 24 h passes this", '50')
    .option('--team-budget <usd>', "alert when a team's cost over 24 h passes this", '500')
    .addOption(new Option('--network <mode>', 'host: containers on the host network (default on Linux); bridge: host.docker.internal (default elsewhere)').choices(['host', 'bridge']))
    .option('--otel-collector', 'also scrape the otel-collector profile (an OpenTelemetry Collector with delta → cumulative), and start it with `stack up`')
    .option('--force', 'overwrite files that differ')
    .action(async (dirArg: string | undefined, o: InitOptions) => {
      const ctx = getCtx();
      const { planStack } = await import('../stack/plan.js');
      const { applyStackPlan, loadStackAssets } = await import('../stack/apply.js');
      const dir = resolve(ctx.cwd, dirArg ?? DEFAULT_DIR);
      const plan = planStack(
        {
          collectorPort: num('--collector-port', o.collectorPort),
          prometheusPort: num('--prometheus-port', o.prometheusPort),
          grafanaPort: num('--grafana-port', o.grafanaPort),
          engineerBudgetUsd: num('--engineer-budget', o.engineerBudget),
          teamBudgetUsd: num('--team-budget', o.teamBudget),
          network: o.network ?? (ctx.platform === 'linux' ? 'host' : 'bridge'),
          otelCollector: o.otelCollector === true,
        },
        loadStackAssets(),
      );
      const r = applyStackPlan(dir, plan, o.force === true);
      process.stdout.write(
        `cc-otel stack: ${dir}: ${r.written.length} file(s) written${r.unchanged.length ? `, ${r.unchanged.length} unchanged` : ''} (network ${plan.meta.network})\n` +
          r.written.map((f) => `  ${f}\n`).join('') +
          `next: cc-otel collect --detach${plan.meta.collectorPort !== 4318 ? ` --port ${plan.meta.collectorPort}` : ''}; cc-otel stack up ${dirArg ?? ''}`.trimEnd() +
          `\n      then Grafana at http://127.0.0.1:${plan.meta.grafanaPort}\n`,
      );
    });

  const compose = (name: string, description: string, args: (meta: { otelCollector: boolean }) => string[]) =>
    stack
      .command(`${name} [dir]`)
      .description(description)
      .action(async (dirArg: string | undefined) => {
        const ctx = getCtx();
        const { findCompose, readStackMeta, runCompose } = await import('../stack/apply.js');
        const dir = resolve(ctx.cwd, dirArg ?? DEFAULT_DIR);
        const meta = readStackMeta(dir);
        const c = findCompose(ctx.env as NodeJS.ProcessEnv);
        const code = await runCompose(c, dir, args(meta), ctx.env as NodeJS.ProcessEnv);
        if (code !== 0) throw new CcOtelError('CHECK_FAILED', `${[c.cmd, ...c.pre].join(' ')} ${args(meta).join(' ')} failed (exit ${code})`, { hint: 'is the Docker engine running? `docker info`' });
        if (name === 'up') process.stdout.write(`cc-otel stack: up — Grafana http://127.0.0.1:${readStackMeta(dir).grafanaPort}, Prometheus http://127.0.0.1:${readStackMeta(dir).prometheusPort}\n`);
      });
  compose('up', 'start the stack (docker compose up -d)', (m) => [...(m.otelCollector ? ['--profile', 'otel-collector'] : []), 'up', '-d']);
  compose('down', 'stop the stack; its data volumes stay (docker compose down)', (m) => [...(m.otelCollector ? ['--profile', 'otel-collector'] : []), 'down']);
  compose('status', 'show the stack\'s containers (docker compose ps)', (m) => [...(m.otelCollector ? ['--profile', 'otel-collector'] : []), 'ps']);
}
