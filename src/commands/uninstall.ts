/**
 * `cc-otel uninstall` — remove exactly what `cc-otel install` added to one settings file, and
 * nothing else. When only cc-otel's entries changed since the first install, the file comes back
 * byte for byte (or is deleted, with the directories install created, if install created it).
 * The rules are in src/claude/settings-edit.ts; docs/install.md explains them.
 */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { addConfigFlags, envWithConfigFlag, flagsToConfig, type ConfigFlagValues } from './config-flags.js';
import { addScopeFlags, editJson, effectiveScope, installFlags, scopePaths, withJsonErrors, type ScopeFlagValues } from './install.js';

interface UninstallOptions extends ConfigFlagValues, ScopeFlagValues {
  dryRun?: boolean;
  json?: boolean;
}

export function define(program: Command, getCtx: () => Context): void {
  addConfigFlags(
    addScopeFlags(
      program
        .command('uninstall')
        .description('remove what `cc-otel install` added to a Claude Code settings file (and nothing else)')
        .option('--dry-run', 'show the diff; change nothing')
        .option('--json', 'print the plan (and what was changed) as JSON'),
    ).addHelpText('after', '\nExamples:\n  cc-otel uninstall                       # ~/.claude/settings.json\n  cc-otel uninstall --scope project --dry-run'),
  ).action((o: UninstallOptions) =>
    withJsonErrors(o.json, async (printed) => {
      const base = getCtx();
      const ctx = { ...base, env: envWithConfigFlag(base.env, o) };
      const ip = await import('../claude/install-plan.js');
      const scope = effectiveScope(o);
      const paths = scopePaths(o);

      // Only for a file without an install record (a teammate installed it, or the record is lost):
      // env keys holding exactly what cc-otel would write now are taken as cc-otel's.
      let expectedEnv: Record<string, string> | undefined;
      try {
        const { resolveTelemetry } = await import('../resolve-telemetry.js');
        const { flags, flagNames } = flagsToConfig(o);
        const r = await resolveTelemetry(ctx, { flags, flagNames, key: 'never' });
        if (!r.inert) {
          // What install with the same flags, from the same config, wrote (M5: the flags count too).
          // (a --key with a comma throws: install refused it, so it wrote nothing to recognise)
          const req = { scope, paths, flags: installFlags(o, ctx.cwd), loaded: r.loaded };
          expectedEnv = ip.installEnv(r.plan, req).env;
        }
      } catch {
        /* a broken or missing config must not stop an uninstall */
      }

      const plan = ip.planUninstall(ctx, { scope, paths, ...(expectedEnv ? { expectedEnv } : {}) });
      const { edit } = plan;
      const applied = o.dryRun ? { wrote: [], removed: [] } : ip.applyUninstall(plan);
      const elsewhere = plan.elsewhere.map((i) => ({ scope: i.source, path: i.path }));
      // The diff is already redacted by key name (settings-edit.ts); this catches the values anywhere else.
      const red = (s: string) => ip.redact(s, edit.secrets);

      if (o.json) {
        process.stdout.write(
          `${red(JSON.stringify(
            {
              ...editJson('uninstall', scope, edit, plan.output, o.dryRun === true, applied),
              deleted: edit.before !== null && edit.after === null,
              warnings: edit.warnings,
              stillInstalled: elsewhere,
              files: applied,
            },
            null,
            2,
          ))}\n`,
        );
        printed();
        return;
      }
      let out = `cc-otel uninstall → ${scope}${plan.output ? ' package' : ''}: ${edit.path}${edit.target !== edit.path ? ` (→ ${edit.target})` : ''}\n`;
      if (edit.diff) out += `\n${edit.diff}\n`;
      if (!edit.changed) out += `\nNothing to remove: cc-otel is not installed in ${edit.path}.\n`;
      else if (o.dryRun) out += `\nDry run: nothing changed. Run without --dry-run to apply.\n`;
      else {
        const parts = [applied.wrote.length ? `wrote ${applied.wrote.join(', ')}` : '', applied.removed.length ? `removed ${applied.removed.join(', ')}` : ''].filter(Boolean);
        out += `\n${parts.join('; ').replace(/^./, (c) => c.toUpperCase())}.\n`;
      }
      if (elsewhere.length) out += `cc-otel is still installed in: ${elsewhere.map((e) => `${e.scope} (${e.path})`).join(', ')}\n`;
      process.stdout.write(red(out));
      for (const w of edit.warnings) ctx.log.warn(`warning: ${red(w)}`);
    }),
  );
}
