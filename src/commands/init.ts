/**
 * `cc-otel init` — write a config file for a backend: the user's config.json (0600, in cc-otel's
 * 0700 config dir, created as needed) or the project's .cc-otel.json (trusted for the writer, as
 * `install --scope project` does). The file and its bytes come from config/init-plan.ts; this asks
 * for what is missing (on a terminal only), writes, and prints the next command. docs/init.md.
 */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { PRESET_NAMES } from '../backends/index.js';
import { PROTOCOLS } from '../otel/endpoint.js';
import { INIT_FIELD_FLAGS } from '../config/init-flags.js';
import type { InitInput, InitScope } from '../config/init-plan.js';
import { withJsonErrors } from './install.js';

interface InitOptions {
  backend?: string;
  protocol?: string;
  key?: string[];
  engineer?: string;
  team?: string;
  org?: string;
  scope: InitScope;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
  [field: string]: unknown;
}

export function define(program: Command, getCtx: () => Context): void {
  const cmd = program
    .command('init')
    .description('write a cc-otel config file for a backend (~/.config/cc-otel/config.json, or the project\'s .cc-otel.json)')
    .addOption(new Option('--backend <name>', 'backend preset').choices(PRESET_NAMES));
  for (const f of INIT_FIELD_FLAGS) {
    const arg = f.kind === 'map' ? '<signal=name,…>' : '<value>';
    const which = f.field === 'endpoint' ? 'any backend' : f.presets.filter((p) => !f.description.includes(p)).join(', ');
    cmd.option(`${f.flag} ${arg}`, which ? `${f.description} (${which})` : f.description);
  }
  cmd
    .addOption(new Option('--protocol <protocol>', 'OTLP protocol (default: the backend\'s first, http/protobuf for most)').choices(PROTOCOLS))
    .option('--key <ref...>', 'key references, tried in order: env:NAME, dotenv:NAME, op://…, gcp-sm://… (never the key itself)')
    .option('--engineer <name>', 'engineer attribute (default $USER at run time)')
    .option('--team <team>', 'team attribute')
    .option('--org <org>', 'org attribute')
    .addOption(new Option('--scope <scope>', 'user: your config.json; project: .cc-otel.json at the git root (else here), trusted for you').choices(['user', 'project']).default('user'))
    .option('--force', 'replace an existing file')
    .option('--dry-run', 'print the file it would write; write nothing')
    .option('--json', 'print the plan (and what was written) as JSON')
    .addHelpText(
      'after',
      `
Asks for a missing --backend or required field only when stdin and stdout are a terminal;
otherwise a missing one is an error naming the flag. The result is checked as cc-otel will load it.

Examples:
  cc-otel init --backend local --team platform             # then: cc-otel collect --detach; cc-otel install
  cc-otel init --backend signoz-cloud --region eu --key env:SIGNOZ_KEY
  cc-otel init --backend grafana-cloud --endpoint https://otlp-gateway-prod-eu-west-2.grafana.net/otlp --instance-id 123456 --key op://Eng/Grafana/token
  cc-otel init --scope project --backend honeycomb --team web   # .cc-otel.json, to commit
See docs/init.md.`,
    )
    .action((o: InitOptions) => withJsonErrors(o.json, () => runInit(o, getCtx())));
}

async function runInit(o: InitOptions, ctx: Context): Promise<void> {
  const core = await import('../config/init-plan.js');
  let input: InitInput = {
    backend: o.backend,
    fields: Object.fromEntries(INIT_FIELD_FLAGS.filter((f) => typeof o[f.attr] === 'string').map((f) => [f.field, o[f.attr] as string])),
    protocol: o.protocol,
    key: o.key,
    engineer: o.engineer,
    team: o.team,
    org: o.org,
  };
  const target = core.initTarget(ctx, o.scope);
  // Before any question: an answer must not be asked for a file that will not be written.
  core.refuseOverwrite(target, o.force === true);
  if (process.stdin.isTTY && process.stdout.isTTY && (input.backend === undefined || core.missingFields(core.requireInitPreset(input.backend), input).length)) {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      input = await core.askMissing(input, (q) => rl.question(q));
    } finally {
      rl.close();
    }
  }
  const plan = core.planInit(input, target, { force: o.force === true });
  const warnings: string[] = core.envOverrides(ctx.env, plan.config);
  if (ctx.env.CC_OTEL_CONFIG) warnings.push(`CC_OTEL_CONFIG is set (${ctx.env.CC_OTEL_CONFIG}): cc-otel reads only that file while it is; unset it to use ${plan.path}`);
  if (plan.scope === 'project' && ctx.env.CC_OTEL_PROJECT_CONFIG === 'ignore') warnings.push(`CC_OTEL_PROJECT_CONFIG=ignore: project files are ignored here, ${plan.path} included`);

  let trusted = false;
  if (!o.dryRun) {
    const { writeFileAtomic, ensurePrivateDir } = await import('../fs/atomic-write.js');
    const { dirname } = await import('node:path');
    if (plan.scope === 'user') ensurePrivateDir(dirname(plan.path));
    writeFileAtomic(plan.path, plan.content, { mode: plan.mode, dirMode: plan.dirMode });
    if (plan.trust) {
      (await import('../trust/project.js')).trustFile(ctx, plan.path);
      trusted = true;
    }
    if (plan.scope === 'project') {
      const { findProjectFile } = await import('../config/project-file.js');
      const found = findProjectFile(ctx.cwd, ctx.homeDir);
      if (found.found !== plan.path)
        warnings.push(`from ${ctx.cwd} cc-otel finds ${found.found ?? (found.skipped[0] ? `nothing (skipped ${found.skipped[0].path}: ${found.skipped[0].reason})` : 'no project file')}, not ${plan.path}`);
    }
  }

  if (o.json) {
    process.stdout.write(
      `${JSON.stringify(
        { action: 'init', scope: plan.scope, path: plan.path, backend: plan.backend, dryRun: o.dryRun === true, wrote: !o.dryRun, overwrote: !o.dryRun && plan.overwrite, mode: `0${plan.mode.toString(8)}`, trusted, config: plan.config, next: plan.next, notes: plan.notes, warnings },
        null,
        2,
      )}\n`,
    );
  } else {
    const mode = `0${plan.mode.toString(8)}`;
    let out = o.dryRun
      ? `cc-otel init → ${plan.scope}: would ${plan.overwrite ? 'replace' : 'write'} ${plan.path} (${mode}):\n\n${plan.content}\nDry run: nothing written. Run without --dry-run to write it.\n`
      : `cc-otel init → ${plan.scope}: ${plan.overwrite ? 'replaced' : 'wrote'} ${plan.path} (${mode}):\n\n${plan.content}`;
    if (plan.trust || plan.notes.length) out += '\n';
    if (plan.trust) out += `${o.dryRun ? 'Would trust' : 'Trusted'} ${plan.path} for you (an edit untrusts it again: \`cc-otel trust\` after editing).\n`;
    for (const n of plan.notes) out += `Note: ${n}.\n`;
    out += `\nNext:\n${plan.next.map((c) => `  ${c}`).join('\n')}\n`;
    process.stdout.write(out);
  }
  for (const w of warnings) ctx.log.warn(`warning: ${w}`);
}
