/**
 * Which read-back module answers for the configured backend, and its options with the read
 * credentials resolved through the same key chain as the ingest key (config `verify.<backend>`).
 * A backend without a read-back module is reported as such (never a silent pass).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CcOtelError } from '../errors.js';
import { chainOptions, deadlineOf } from '../resolve-telemetry.js';
import { resolveKey } from '../secrets/chain.js';
import type { Signal } from '../otel/endpoint.js';
import type { VerifyConfig } from '../config/schema.js';
import type { LoadedConfig, Source } from '../config/load.js';
import type { ReadbackModule, ReadbackQuery } from '../probe/index.js';
import type { VerifyContext } from './types.js';

export type ReadbackTarget =
  | {
      kind: 'module';
      /** id for --json and messages (signoz, grafana-cloud, honeycomb, datadog, new-relic, local) */
      id: string;
      title: string;
      module: ReadbackModule<ReadbackQuery>;
      /** the module's own options for one signal (credentials, URLs) */
      optionsFor(signal: Signal): Record<string, unknown>;
    }
  | { kind: 'none'; message: string; fix: string };

const CONFIG_EXAMPLE: Record<string, string> = {
  signoz: '"verify": {"signoz": {"url": "https://<tenant>.signoz.cloud", "apiKey": "env:SIGNOZ_API_KEY"}}',
  grafana:
    '"verify": {"grafana": {"token": "env:GRAFANA_READ_TOKEN", "lokiUrl": "https://logs-prod-NNN.grafana.net", "lokiUser": "123456", ' +
    '"prometheusUrl": "https://prometheus-prod-NN-prod-<region>.grafana.net/api/prom", "prometheusUser": "234567", ' +
    '"tempoUrl": "https://tempo-prod-NN-prod-<region>.grafana.net/tempo", "tempoUser": "345678"}}',
  honeycomb: '"verify": {"honeycomb": {"apiKey": "env:HONEYCOMB_CONFIG_KEY"}}',
  newrelic: '"verify": {"newrelic": {"apiKey": "env:NEW_RELIC_USER_KEY", "accountId": "1234567"}}',
};

/**
 * The config file the read-back settings belong in: the one that already has some of
 * `verify.<section>`, else the one the backend came from, else the user's config file (a backend set
 * by CC_OTEL_BACKEND alone has no file). Never an untrusted project file: its verify keys are ignored.
 */
export function configFileFor(loaded: LoadedConfig, section: string): string {
  const inFile = (s: Source | undefined) => (s && (s.kind === 'project' || s.kind === 'user' || s.kind === 'file') && !loaded.files.some((f) => f.path === s.detail && f.untrusted) ? s.detail : undefined);
  const partial = Object.entries(loaded.sources).find(([k, s]) => k.startsWith(`verify.${section}.`) && inFile(s))?.[1];
  return inFile(partial) ?? inFile(loaded.sources.backend) ?? join(loaded.userConfigDir, 'config.json');
}

function missing(loaded: LoadedConfig, section: string, what: string): CcOtelError {
  return new CcOtelError('CONFIG_INVALID', `--query needs ${what} for the read-back (config "verify.${section}")`, {
    hint: `add to ${configFileFor(loaded, section)}: ${CONFIG_EXAMPLE[section] ?? `"verify": {"${section}": {…}}`} — see docs/verify.md`,
  });
}

/** Resolve read credentials (key references) with the same chain, cache and deadline as the ingest key. */
export async function resolveReadKey(v: VerifyContext, refs: readonly string[], what: string): Promise<string> {
  const { loaded, dirs } = v.state;
  if (!loaded || !dirs) throw new CcOtelError('CONFIG_INVALID', 'no configuration loaded');
  const deadline = Math.min(deadlineOf(loaded, v.ctx.env), Math.max(1, v.remainingMs() - 500));
  const chain = await resolveKey(v.ctx, { ...chainOptions(v.ctx, loaded, dirs, {}, deadline), refs });
  if (chain.key) return chain.key.value;
  const e = chain.error ?? new CcOtelError('KEY_NOT_FOUND', 'no key found');
  throw new CcOtelError(e.code, `${what}: ${e.message}`, e.hint ? { hint: e.hint } : {});
}

export async function planReadback(v: VerifyContext): Promise<ReadbackTarget> {
  const { loaded, plan, dirs } = v.state;
  if (!loaded || !plan || !dirs) throw new CcOtelError('CONFIG_INVALID', 'no configuration loaded');
  const cfg: VerifyConfig = loaded.config.verify ?? {};
  const { READBACKS } = await import('../probe/index.js');
  const as = (m: ReadbackModule<never>) => m as unknown as ReadbackModule<ReadbackQuery>;

  // A local collector data dir was named explicitly: it answers for any backend (a collector behind `otlp`).
  if (plan.backend === 'local' || cfg.local?.dataDir) {
    const dataDir = cfg.local?.dataDir ?? v.ctx.env.CC_OTEL_DATA_DIR ?? dirs.data;
    let findProbe = v.deps.findProbe;
    if (!findProbe) {
      const collector = await import('../collector/index.js');
      findProbe = async (dir, id) => {
        // The reader treats a missing store as empty; here that means "wrong directory", not "wait".
        if (!existsSync(dir)) throw new Error(`${dir} does not exist (set verify.local.dataDir or CC_OTEL_DATA_DIR to the data dir of \`cc-otel collect\`)`);
        return (await collector.findProbe(dir, id)).map((signal) => ({ signal }));
      };
    }
    const finder = findProbe;
    return { kind: 'module', id: 'local', title: 'the local collector', module: as(READBACKS.local), optionsFor: () => ({ dataDir, findProbe: finder }) };
  }

  switch (plan.backend) {
    case 'signoz':
    case 'signoz-cloud': {
      const c = cfg.signoz ?? {};
      if (!c.url) throw missing(loaded, 'signoz', 'the SigNoz instance URL');
      if (!c.apiKey?.length) throw missing(loaded, 'signoz', 'an API key reference');
      const apiKey = await resolveReadKey(v, c.apiKey, 'SigNoz read key (verify.signoz.apiKey)');
      const baseUrl = c.url;
      return { kind: 'module', id: 'signoz', title: 'SigNoz', module: as(READBACKS.signoz), optionsFor: () => ({ baseUrl, apiKey }) };
    }
    case 'grafana-cloud': {
      const c = cfg.grafana ?? {};
      if (!c.token?.length) throw missing(loaded, 'grafana', 'an access-policy token reference');
      const pairs = [
        ['loki', c.lokiUrl, c.lokiUser],
        ['prometheus', c.prometheusUrl, c.prometheusUser],
        ['tempo', c.tempoUrl, c.tempoUser],
      ] as const;
      const eps: Record<string, { url: string; user: string }> = {};
      for (const [name, url, user] of pairs) {
        if (url && !user) throw missing(loaded, 'grafana', `${name}User (the ${name} data source's own user ID) beside ${name}Url`);
        if (user && !url) throw missing(loaded, 'grafana', `${name}Url beside ${name}User`);
        if (url && user) eps[name] = { url, user };
      }
      if (!Object.keys(eps).length) throw missing(loaded, 'grafana', 'at least one of lokiUrl/lokiUser, prometheusUrl/prometheusUser, tempoUrl/tempoUser');
      const token = await resolveReadKey(v, c.token, 'Grafana Cloud read token (verify.grafana.token)');
      return { kind: 'module', id: 'grafana-cloud', title: 'Grafana Cloud', module: as(READBACKS['grafana-cloud']), optionsFor: () => ({ token, ...eps }) };
    }
    case 'honeycomb': {
      const c = cfg.honeycomb ?? {};
      if (!c.apiKey?.length) throw missing(loaded, 'honeycomb', 'a Configuration key reference');
      const apiKey = await resolveReadKey(v, c.apiKey, 'Honeycomb read key (verify.honeycomb.apiKey)');
      const baseUrl = c.apiUrl ?? (loaded.config.region === 'eu' ? 'https://api.eu1.honeycomb.io' : 'https://api.honeycomb.io');
      const metricsDataset = plan.signalHeaders.metrics?.['x-honeycomb-dataset'];
      return {
        kind: 'module',
        id: 'honeycomb',
        title: 'Honeycomb',
        module: as(READBACKS.honeycomb),
        optionsFor: (signal) => ({ apiKey, baseUrl, ...(signal === 'metrics' && metricsDataset ? { dataset: metricsDataset } : {}) }),
      };
    }
    case 'datadog': {
      const c = cfg.datadog ?? {};
      const apiKey = c.apiKey?.length
        ? await resolveReadKey(v, c.apiKey, 'Datadog API key (verify.datadog.apiKey)')
        : v.state.chain?.key?.value;
      if (!apiKey) throw missing(loaded, 'datadog', 'an API key reference');
      const applicationKey = c.applicationKey?.length ? await resolveReadKey(v, c.applicationKey, 'Datadog application key (verify.datadog.applicationKey)') : undefined;
      const site = loaded.config.site ?? 'datadoghq.com';
      return {
        kind: 'module',
        id: 'datadog',
        title: 'Datadog',
        module: as(READBACKS.datadog),
        optionsFor: () => ({ apiKey, site, ...(applicationKey ? { applicationKey } : {}) }),
      };
    }
    case 'newrelic': {
      const c = cfg.newrelic ?? {};
      const region = loaded.config.region ?? 'us';
      if (region !== 'us' && region !== 'eu')
        return { kind: 'none', message: `reading back from New Relic region ${region} is not implemented (NerdGraph US/EU only)`, fix: 'look for cc_otel.probe_id in New Relic by hand' };
      if (!c.apiKey?.length) throw missing(loaded, 'newrelic', 'a User key reference');
      if (!c.accountId) throw missing(loaded, 'newrelic', 'the account ID');
      if (!/^[1-9]\d*$/.test(String(c.accountId).trim()))
        throw new CcOtelError('CONFIG_INVALID', `"verify.newrelic.accountId" must be the numeric New Relic account ID, not ${JSON.stringify(c.accountId)}`, {
          hint: `fix it in ${configFileFor(loaded, 'newrelic')}: ${CONFIG_EXAMPLE.newrelic} (New Relic → Administration → Access management → Accounts) — see docs/verify.md`,
        });
      const apiKey = await resolveReadKey(v, c.apiKey, 'New Relic User key (verify.newrelic.apiKey)');
      const accountId = c.accountId;
      return { kind: 'module', id: 'new-relic', title: 'New Relic', module: as(READBACKS['new-relic']), optionsFor: () => ({ apiKey, accountId, region }) };
    }
    default:
      return {
        kind: 'none',
        message: `reading the probe back from ${plan.backend} is not implemented: the export was accepted, but cc-otel cannot confirm the data is visible`,
        fix: `search ${plan.backend} for the attribute cc_otel.probe_id=${v.state.probeId} (service.name claude-code) to confirm by hand`,
      };
  }
}
