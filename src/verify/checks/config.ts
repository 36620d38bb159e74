/** 1. Config: valid, backend known, the preset's required fields present (buildTelemetry validates). */
import { userDirs } from '../../config/dirs.js';
import { loadConfig } from '../../config/load.js';
import { CcOtelError } from '../../errors.js';
import { buildTelemetry, formatSource } from '../../otel/build-env.js';
import type { Check } from '../types.js';
import { projectNotice } from '../../trust/notice.js';
import { printable } from '../../trust/printable.js';

const NOT_CONFIGURED_HINT =
  'create ~/.config/cc-otel/config.json (or a project .cc-otel.json, then `cc-otel trust`), e.g. {"backend":"signoz-cloud","region":"eu","key":["env:SIGNOZ_KEY"]}, ' +
  'or set CC_OTEL_BACKEND; see the README, "Configuration"';

export const configCheck: Check = {
  id: 'config',
  title: 'Config',
  required: true,
  async run(v) {
    const loaded = loadConfig(v.ctx, v.options.flags, v.options.flagNames);
    v.state.loaded = loaded;
    v.state.dirs = userDirs(v.ctx);
    if (!loaded.configured) {
      const notice = projectNotice(loaded);
      throw new CcOtelError('CONFIG_NOT_FOUND', `cc-otel is not configured (no config file, no CC_OTEL_BACKEND)${notice ? `; ${notice.message}` : ''}`, { hint: notice ? `if you trust it: ${notice.fix}` : NOT_CONFIGURED_HINT });
    }
    // Preset fields from the secret store (issue #17): resolved as the headers helper resolves them.
    const { resolveFieldRefs } = await import('../../field-refs/resolve.js');
    const { chainOptions, deadlineOf, masked } = await import('../../resolve-telemetry.js');
    const deadline = Math.min(Math.floor(deadlineOf(loaded, v.ctx.env) * 0.9), Math.max(1, v.remainingMs() - 500));
    const refs = await resolveFieldRefs(v.ctx, loaded, chainOptions(v.ctx, loaded, v.state.dirs, {}, deadline));
    if (refs.error) throw refs.error;
    v.state.loaded = refs.loaded;
    const plan = masked(refs.secrets, () => buildTelemetry(refs.loaded, { env: v.ctx.env, user: v.ctx.user }));
    v.state.plan = plan;
    const c = refs.loaded.config;
    const where = [c.region && `region ${c.region}`, c.site && `site ${c.site}`, c.instanceId && `instance ${refs.loaded.sources.instanceId?.ref ? '<from the secret store>' : c.instanceId}`].filter(Boolean).join(', ');
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
        ...(refs.fields.length ? { fromSecretStore: Object.fromEntries(refs.fields.map((f) => [f.field, formatSource(refs.loaded.sources[f.field], '')])) } : {}),
      },
    };
  },
};

/**
 * 1b. Project file: found, trusted, what of it applied (issue #11). Warns when a project file is
 * untrusted or changed (its keys are ignored), when path settings in it are ignored, and when one was
 * skipped (another owner, group/world-writable); says which command trusts it.
 */
export const projectCheck: Check = {
  id: 'config.project',
  title: 'Project file',
  required: false,
  async run(v) {
    const loaded = v.state.loaded ?? loadConfig(v.ctx, v.options.flags, v.options.flagNames);
    const p = loaded.project;
    const notice = projectNotice(loaded);
    const skipped = (loaded.skipped ?? []).map((s) => printable(`skipped ${s.path}: ${s.reason}`));
    const problems = [...(loaded.policyProblem ? [loaded.policyProblem] : []), ...(notice ? [notice.message] : []), ...skipped];
    const details = {
      policy: loaded.projectPolicy ?? 'trusted',
      file: p ? { path: p.path, realPath: p.realPath, trust: p.trust, ignored: p.ignored, ...(p.invalid ? { invalid: p.invalid } : {}) } : null,
      skipped: loaded.skipped ?? [],
    };
    if (loaded.projectPolicy === 'ignore') return { status: loaded.policyProblem ? 'warn' : 'pass', value: 'project files ignored (CC_OTEL_PROJECT_CONFIG)', source: 'env CC_OTEL_PROJECT_CONFIG', ...(loaded.policyProblem ? { problems, fix: 'set CC_OTEL_PROJECT_CONFIG to trusted or ignore' } : {}), details };
    if (!p) return { status: skipped.length ? 'warn' : 'pass', value: 'none', ...(skipped.length ? { problems, fix: 'make the file your own and not writable by others (chown, chmod go-w)' } : {}), details };
    const value = `${p.trust}${p.ignored.length ? `, ${p.ignored.length} key${p.ignored.length === 1 ? '' : 's'} ignored` : ''}`;
    if (!notice && !skipped.length) return { status: 'pass', value, source: p.path, details };
    return { status: 'warn', value, source: p.path, problems, fix: notice?.fix ?? 'see the problems', details };
  },
};
