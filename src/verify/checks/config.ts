/** 1. Config: valid, backend known, the preset's required fields present (buildTelemetry validates). */
import { userDirs } from '../../config/dirs.js';
import { loadConfig } from '../../config/load.js';
import { CcOtelError } from '../../errors.js';
import { buildTelemetry, formatSource } from '../../otel/build-env.js';
import type { Check } from '../types.js';

const NOT_CONFIGURED_HINT =
  'create .cc-otel.json in the project (or ~/.config/cc-otel/config.json), e.g. {"backend":"signoz-cloud","region":"eu","key":["env:SIGNOZ_KEY"]}, ' +
  'or set CC_OTEL_BACKEND; see the README, "Configuration"';

export const configCheck: Check = {
  id: 'config',
  title: 'Config',
  required: true,
  async run(v) {
    const loaded = loadConfig(v.ctx, v.options.flags, v.options.flagNames);
    v.state.loaded = loaded;
    v.state.dirs = userDirs(v.ctx);
    if (!loaded.configured) throw new CcOtelError('CONFIG_NOT_FOUND', 'cc-otel is not configured (no config file, no CC_OTEL_BACKEND)', { hint: NOT_CONFIGURED_HINT });
    const plan = buildTelemetry(loaded, { env: v.ctx.env, user: v.ctx.user });
    v.state.plan = plan;
    const c = loaded.config;
    const where = [c.region && `region ${c.region}`, c.site && `site ${c.site}`, c.instanceId && `instance ${c.instanceId}`].filter(Boolean).join(', ');
    const files = loaded.files.map((f) => `${f.kind} ${f.path}`);
    return {
      status: 'pass',
      value: `backend ${plan.backend}${where ? ` (${where})` : ''}, ${plan.protocol}, signals ${plan.signals.join(', ')}`,
      source: files.length ? files.join('; ') : formatSource(loaded.sources.backend, 'CC_OTEL_* variables'),
      details: {
        backend: plan.backend,
        protocol: plan.protocol,
        signals: plan.signals,
        files: loaded.files,
        backendSource: formatSource(loaded.sources.backend, 'default'),
        docs: plan.preset.docs,
      },
    };
  },
};
