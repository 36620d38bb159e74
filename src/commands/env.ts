/** `cc-otel env` — the values cc-otel builds, for a shell, a .env, a machine or a settings file. */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { addConfigFlags, envWithConfigFlag, flagsToConfig, type ConfigFlagValues } from './config-flags.js';

interface EnvOptions extends ConfigFlagValues {
  format: 'shell' | 'dotenv' | 'json' | 'settings';
  reveal?: boolean;
  explain?: boolean;
}

export const NOT_CONFIGURED_HINT =
  'run `cc-otel init --backend <name>` (e.g. `cc-otel init --backend local` for `cc-otel collect`; `--scope project` for a .cc-otel.json), ' +
  'or create ~/.config/cc-otel/config.json yourself, e.g. {"backend":"signoz-cloud","region":"eu","key":["env:SIGNOZ_KEY"]}; or set CC_OTEL_BACKEND. See the README, "Configuration".';

export function define(program: Command, getCtx: () => Context): void {
  addConfigFlags(
    program
      .command('env')
      .description('print the telemetry environment cc-otel builds (secrets masked unless --reveal)')
      .addOption(new Option('--format <format>', 'shell: export lines safe to eval; dotenv; json; settings: the env block for a Claude Code settings file').choices(['shell', 'dotenv', 'json', 'settings']).default('shell'))
      .option('--reveal', 'print secret values (the auth headers) instead of masking them')
      .option('--explain', 'show where every value came from and the key chain\'s attempts')
      .addHelpText('after', '\nExamples:\n  eval "$(cc-otel env --reveal)"     # this shell exports to the backend\n  cc-otel env --explain              # where does each value come from?\n  cc-otel env --format settings      # the env block `cc-otel install` writes'),
  ).action(async (o: EnvOptions) => {
    const base = getCtx();
    const ctx = { ...base, env: envWithConfigFlag(base.env, o) };
    const { resolveTelemetry } = await import('../resolve-telemetry.js');
    const { formatSource, headersEnvRefusal, refusedHeaderVariables, settingsEnv } = await import('../otel/build-env.js');
    const { renderExports, renderDotenv } = await import('../claude/env-file.js');
    const { flags, flagNames } = flagsToConfig(o);
    const needKey = o.format !== 'settings' && (o.reveal || o.explain);
    const { fieldsOfError, renderFieldAttempts } = await import('../field-refs/resolve.js');
    const r = await resolveTelemetry(ctx, { flags, flagNames, key: needKey ? 'if-needed' : 'never', noCache: false }).catch(async (e: unknown) => {
      // A preset field from the secret store that failed: --explain still shows every attempt (then the error).
      const fields = o.explain && o.format !== 'json' ? fieldsOfError(e) : undefined;
      if (fields) await new Promise<void>((done) => process.stdout.write(renderFieldAttempts(fields).slice(1), () => done()));
      throw e;
    });
    if (r.inert) throw new CcOtelError('CONFIG_NOT_FOUND', 'cc-otel is not configured (it stays inert: the hook writes nothing)', { hint: NOT_CONFIGURED_HINT });
    const { plan, chain } = r;
    // A slow source that was really asked (not answered from the cache) may leave a request behind
    // that holds the event loop long after the chain gave up (the 1Password SDK's fetch: ~10 s).
    // Then the command ends explicitly, once stdout has taken the output.
    const touchedSlow = chain?.attempts.some((a) => a.slow) ?? false;
    const emit = (text: string): Promise<void> =>
      new Promise((resolve) => {
        process.stdout.write(text, () => {
          if (touchedSlow) process.exit(process.exitCode ?? 0);
          resolve();
        });
      });
    for (const w of plan.warnings) ctx.log.warn(`warning: ${w}`);
    const { projectNotice } = await import('../trust/notice.js');
    const notice = projectNotice(r.loaded);
    if (notice) ctx.log.warn(notice.message);
    const keyMissing = plan.keyNeeded !== 'none' && !plan.authHeaders;
    const hidden = plan.vars.filter((v) => v.secret && !o.reveal);
    const shown = plan.vars.filter((v) => !(v.secret && !o.reveal));
    // A header a headers variable cannot carry: refused where its value would be printed
    // (issue #12); --explain shows what the value would be, and why it is refused.
    const refusal = headersEnvRefusal(plan, 'env');
    const refusedVars = refusedHeaderVariables(plan);
    const printsHeaders = (vars: readonly { name: string }[]) => vars.some((v) => refusedVars.includes(v.name));
    const hiddenNote = (prefix: string) =>
      hidden.map((v) => `${prefix} ${v.name}: secret (${plan.authHeaderNames.join(', ')} from the key chain) — add --reveal to print it\n`).join('');
    const keyNote = (prefix: string) =>
      keyMissing && (o.reveal || o.explain)
        ? `${prefix} the key was not resolved${chain?.error ? `: ${chain.error.message.split('\n')[0]}` : ''}; auth headers left out\n`
        : keyMissing
          ? `${prefix} ${plan.authHeaderNames.join(', ')}: from the key chain at run time — add --reveal to resolve and print it\n`
          : '';

    if (o.explain) {
      if (o.format === 'json') {
        await emit(
          `${JSON.stringify(
            {
              backend: plan.backend,
              files: r.loaded.files,
              project: r.loaded.project ? { path: r.loaded.project.path, trust: r.loaded.project.trust, ignored: r.loaded.project.ignored, fix: notice?.fix ?? null } : null,
              vars: plan.vars.map((v) => ({ name: v.name, value: v.secret && !o.reveal ? '<redacted>' : v.value, source: v.source, secret: v.secret })),
              attributes: Object.entries(plan.resourceAttributes).map(([k, v]) => ({ key: k, value: v, source: plan.attributeSources[k] })),
              keyChain: chain?.attempts ?? [],
              fieldRefs: r.fields.map((f) => ({ field: f.field, attempts: f.result.attempts, source: formatSource(r.loaded.sources[f.field], ''), ...(f.note ? { note: f.note } : {}) })),
              keyError: chain?.error ? { code: chain.error.code, message: chain.error.message, hint: chain.error.hint } : null,
              warnings: plan.warnings,
              refused: refusal ? { variable: refusedVars.join(', '), variables: refusedVars, message: refusal.message, hint: refusal.hint } : null,
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      const rows = plan.vars.map((v) => [v.name, v.secret && !o.reveal ? '<redacted>' : v.value, v.source]);
      const w0 = Math.max(...rows.map((x) => x[0]!.length), 8);
      const w1 = Math.min(60, Math.max(...rows.map((x) => x[1]!.length), 5));
      const cut = (s: string) => (s.length > w1 ? `${s.slice(0, w1 - 1)}…` : s);
      let out = `backend: ${plan.backend}   config: ${r.loaded.files.map((f) => `${f.kind} ${f.path}`).join(', ') || 'CC_OTEL_* variables only'}\n\n`;
      out += `${'VARIABLE'.padEnd(w0)}  ${'VALUE'.padEnd(w1)}  SOURCE\n`;
      for (const [a, b, c] of rows) out += `${a!.padEnd(w0)}  ${cut(b!).padEnd(w1)}  ${c}\n`;
      out += '\nresource attributes:\n';
      for (const [k, v] of Object.entries(plan.resourceAttributes)) out += `  ${k}=${v}   (${plan.attributeSources[k]})\n`;
      // Preset fields read from the secret store (issue #17): the same chain as the key, per field.
      if (r.fields.length) out += renderFieldAttempts(r.fields);
      if (plan.keyNeeded !== 'none') {
        out += '\nkey chain:\n';
        for (const a of chain?.attempts ?? []) out += `  ${a.ref.padEnd(40)} ${a.result.padEnd(8)} ${a.detail} (${a.ms} ms)\n`;
        if (chain?.error?.hint) out += `  hint: ${chain.error.hint}\n`;
      }
      if (plan.warnings.length) out += `\nwarnings:\n${plan.warnings.map((w) => `  ${w}\n`).join('')}`;
      if (refusal) out += `\nrefused:\n  ${refusal.message}\n  hint: ${refusal.hint}\n`;
      await emit(out);
      return;
    }
    if (refusal && printsHeaders(o.format === 'settings' ? Object.keys(settingsEnv(plan)).map((name) => ({ name })) : shown)) throw refusal;
    switch (o.format) {
      case 'settings':
        await emit(`${JSON.stringify({ env: settingsEnv(plan) }, null, 2)}\n`);
        return;
      case 'json': {
        const obj: Record<string, string> = {};
        for (const v of plan.vars) obj[v.name] = v.secret && !o.reveal ? '<redacted>' : v.value;
        await emit(`${JSON.stringify(obj, null, 2)}\n`);
        return;
      }
      case 'dotenv':
        await emit(`${renderDotenv(shown)}${hiddenNote('#')}${keyNote('#')}`);
        return;
      default:
        await emit(`${renderExports(shown)}${hiddenNote('#')}${keyNote('#')}`);
    }
  });
}
