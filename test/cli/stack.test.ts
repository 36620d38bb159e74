// `cc-otel stack init|up|down|status` (the installed artifact): the files it writes are accepted by
// promtool (`check config`, which also checks the rules it names) and by Debian's docker-compose
// (`config`); a real Prometheus run on the generated prometheus.yml scrapes a real collector and
// loads the alert rules; up/down/status run Compose (a recording stand-in here: no Docker engine)
// or say what to install.
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/collector.js';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { run, startPrometheusWith, tool } from '../helpers/prometheus.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { metricsRequest, post } from '../unit/report/fixtures.js';

const promtool = tool('promtool', 'prometheus');
const prometheus = tool('prometheus', 'prometheus');
const dockerCompose = tool('docker-compose', 'docker-compose');

describe('cc-otel stack', () => {
  let tmp: TempDir;
  let env: Record<string, string>;
  beforeAll(() => {
    tmp = makeTempDir('cc-otel-stack');
    mkdirSync(join(tmp.path, 'home'));
    env = { HOME: join(tmp.path, 'home') };
  });
  afterAll(() => tmp.cleanup());

  const init = (args: string[]) => runCcOtel(['stack', 'init', ...args], { cwd: tmp.path, env });

  it.skipIf(!promtool.present || !dockerCompose.present)('init (host network, the Linux default): promtool check config and docker-compose config accept what it writes', async () => {
    const r = await init(['s-host', '--network', 'host', '--engineer-budget', '75', '--team-budget', '900']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toContain('9 file(s) written (network host)');
    const dir = join(tmp.path, 's-host');
    const check = run(promtool.path, ['check', 'config', join(dir, 'prometheus/prometheus.yml')]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('1 rule files found');
    expect(check.stdout).toMatch(/SUCCESS: 14 rules found/);
    const compose = run(dockerCompose.path, ['-f', join(dir, 'docker-compose.yml'), 'config']);
    expect(compose.code, compose.stdout + compose.stderr).toBe(0);
    expect(compose.stdout).toContain('network_mode: host');
    const rules = readFileSync(join(dir, 'prometheus/rules/claude-code.rules.yml'), 'utf8');
    expect(rules).toContain('record: cc_otel:daily_budget_usd:engineer\n        expr: vector(75)');
    expect(rules).toContain('record: cc_otel:daily_budget_usd:team\n        expr: vector(900)');
    expect(readFileSync(join(dir, 'prometheus/prometheus.yml'), 'utf8')).toContain("targets: ['127.0.0.1:4318']");
    expect(readFileSync(join(dir, 'grafana/dashboards/claude-code.json'), 'utf8')).toContain('"uid": "cc-otel-claude-code"');
  });

  it.skipIf(!promtool.present || !dockerCompose.present)('init --network bridge --otel-collector: host.docker.internal via host-gateway, the collector profile and its scrape job', async () => {
    const r = await init(['s-bridge', '--network', 'bridge', '--otel-collector', '--collector-port', '14000']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const dir = join(tmp.path, 's-bridge');
    const check = run(promtool.path, ['check', 'config', join(dir, 'prometheus/prometheus.yml')]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const yml = readFileSync(join(dir, 'prometheus/prometheus.yml'), 'utf8');
    expect(yml).toContain("targets: ['host.docker.internal:14000']");
    expect(yml).toContain("targets: ['otel-collector:8889']");
    const compose = run(dockerCompose.path, ['-f', join(dir, 'docker-compose.yml'), '--profile', 'otel-collector', 'config']);
    expect(compose.code, compose.stdout + compose.stderr).toBe(0);
    expect(compose.stdout).toContain('host.docker.internal:host-gateway');
    expect(compose.stdout).toContain('otel/opentelemetry-collector-contrib');
    expect(compose.stdout).toContain('127.0.0.1:9090');
    const otelcol = readFileSync(join(dir, 'otel-collector/config.yaml'), 'utf8');
    expect(otelcol).toContain('deltatocumulative');
    expect(otelcol).toContain('resource_to_telemetry_conversion');
  });

  it.skipIf(!prometheus.present)('a real Prometheus on the generated prometheus.yml scrapes a real collector and loads the alert rules', async () => {
    const data = makeTempDir('cc-otel-stack-data');
    let c: RunningCollector | undefined;
    let prom: Awaited<ReturnType<typeof startPrometheusWith>> | undefined;
    try {
      c = await startCollector({ dataDir: data.path, httpPort: 0, grpcPort: null, writeState: false });
      const r = await init(['s-real', '--network', 'host', '--collector-port', String(c.httpPort)]);
      expect(r.code, describeCcOtel(r)).toBe(0);
      const t0 = Date.now() - 60_000;
      const req = metricsRequest({ engineer: 'ada', team: 'core' }, [{ name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs: { model: 'opus' }, start: t0, time: t0 + 1000, value: 1.25 }] }]);
      expect(await post(c.httpUrl, 'metrics', req)).toBe(200);
      // the generated file, scraping every second instead of every 30 s
      const dir = join(tmp.path, 's-real', 'prometheus');
      writeFileSync(join(dir, 'prometheus.test.yml'), readFileSync(join(dir, 'prometheus.yml'), 'utf8').replace(/interval: 30s/g, 'interval: 1s'));
      prom = await startPrometheusWith(prometheus.path, join(dir, 'prometheus.test.yml'));
      await prom.scraped();
      expect(await prom.query('sum by (engineer) (claude_code_cost_usage_USD_total)')).toEqual([{ metric: { engineer: 'ada' }, value: 1.25 }]);
      const rules = (await (await fetch(`${prom.url}/api/v1/rules?type=alert`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
      const alerts = rules.data.groups.flatMap((g) => g.rules);
      expect(alerts.map((a) => a.name).sort()).toEqual(['CcOtelCollectorDown', 'ClaudeCodeApiErrorRateHigh', 'ClaudeCodeEngineerOverDailyBudget', 'ClaudeCodeNoTelemetryFromMachine', 'ClaudeCodeSessionSilent', 'ClaudeCodeTeamOverDailyBudget']);
    } finally {
      await prom?.close();
      await c?.close();
      data.cleanup();
    }
  });

  it('init leaves a changed file alone unless --force; an identical re-run writes nothing', async () => {
    expect((await init(['s-edit', '--network', 'host'])).code).toBe(0);
    const again = await init(['s-edit', '--network', 'host']);
    expect(again.code, describeCcOtel(again)).toBe(0);
    expect(again.stdout).toContain('0 file(s) written, 9 unchanged');
    const yml = join(tmp.path, 's-edit/prometheus/prometheus.yml');
    writeFileSync(yml, '# mine\n');
    const refused = await init(['s-edit', '--network', 'host', '--team-budget', '10']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already holds a different prometheus/prometheus.yml, prometheus/rules/claude-code.rules.yml, README.md');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(yml, 'utf8')).toBe('# mine\n'); // nothing written
    const forced = await init(['s-edit', '--network', 'host', '--force']);
    expect(forced.code, describeCcOtel(forced)).toBe(0);
    expect(readFileSync(yml, 'utf8')).toContain('job_name: cc-otel');
  });

  it('bad numbers are usage errors', async () => {
    for (const args of [['--engineer-budget', 'lots'], ['--team-budget', '-5'], ['--grafana-port', '70000']]) {
      const r = await init(['s-bad', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--(engineer-budget|team-budget|grafana-port)/);
    }
  });

  it('up/down/status run Compose in the stack dir (with the otel-collector profile when init had it)', async () => {
    expect((await init(['s-run', '--network', 'bridge', '--otel-collector'])).code).toBe(0);
    const bin = join(tmp.path, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const log = join(tmp.path, 'compose.log');
    // A stand-in for docker-compose that records how it was called (there is no Docker engine here).
    writeFileSync(join(bin, 'docker-compose'), `#!/bin/sh\necho "$PWD|$*" >> ${log}\nexit 0\n`);
    chmodSync(join(bin, 'docker-compose'), 0o755);
    symlinkSync(process.execPath, join(bin, 'node'));
    const dir = join(tmp.path, 's-run');
    for (const cmd of ['up', 'status', 'down']) {
      const r = await runCcOtel(['stack', cmd, 's-run'], { cwd: tmp.path, env: { ...env, PATH: bin } });
      expect(r.code, describeCcOtel(r)).toBe(0);
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n').filter((l) => !l.endsWith('|version'));
    expect(lines).toEqual([
      `${dir}|-f ${dir}/docker-compose.yml --project-directory ${dir} --profile otel-collector up -d`,
      `${dir}|-f ${dir}/docker-compose.yml --project-directory ${dir} --profile otel-collector ps`,
      `${dir}|-f ${dir}/docker-compose.yml --project-directory ${dir} --profile otel-collector down`,
    ]);
  });

  it('up without Docker Compose says what to install; a dir without a stack says to init one', async () => {
    const bin = join(tmp.path, 'node-only');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    expect((await init(['s-nodocker'])).code).toBe(0);
    const r = await runCcOtel(['stack', 'up', 's-nodocker'], { cwd: tmp.path, env: { ...env, PATH: bin } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('neither `docker compose` nor `docker-compose` is installed');
    expect(r.stderr).toContain('hint: install Docker Desktop');
    const none = await runCcOtel(['stack', 'status', 'nowhere'], { cwd: tmp.path, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no cc-otel stack in');
    expect(none.stderr).toContain('cc-otel stack init');
  });
});
