/**
 * `cc-otel report`: Claude Code usage from what `cc-otel collect` stored.
 */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { userDirs } from '../config/dirs.js';

interface ReportCliOptions {
  since: string;
  until?: string;
  by: 'engineer' | 'team' | 'org' | 'model' | 'project' | 'day' | 'session';
  engineer?: string;
  team?: string;
  org?: string;
  model?: string;
  project?: string;
  session?: string;
  daily?: boolean;
  json?: boolean;
  csv?: boolean;
  utc?: boolean;
  dataDir?: string;
}

export function define(program: Command, getCtx: () => Context): void {
  program
    .command('report')
    .description('sessions, tokens, cost, lines, commits, PRs, decisions and API errors from the local collector')
    .option('--since <when>', 'from: a duration back from now (90m, 12h, 7d, 2w), a date (2025-06-01), or "all"', '7d')
    .option('--until <when>', 'up to (exclusive), same forms as --since (default: now)')
    .addOption(new Option('--by <group>', 'group rows by').choices(['engineer', 'team', 'org', 'model', 'project', 'day', 'session']).default('engineer'))
    .option('--engineer <name>', 'only this engineer (as --by engineer names them)')
    .option('--team <name>', 'only this team')
    .option('--org <name>', 'only this org')
    .option('--model <name>', 'only this model')
    .option('--project <name>', 'only this project (project, project.name or vcs.repository.name)')
    .option('--session <id>', 'only this session.id')
    .option('--daily', 'with --json: each row (and the totals) split by day, in "days"')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--utc', 'cut days at UTC midnight for --by day (default: local time)')
    .option('--data-dir <dir>', 'data dir of the collector (default: $CC_OTEL_DATA_DIR or the user data dir)')
    .addHelpText(
      'after',
      `
Reads the data dir directly (the collector may be running); a data dir that does not exist is an
error (exit 1), an empty window is not. Token and cost totals are exact for delta and cumulative
metrics alike; team/org come from the resource attributes cc-otel sets. --by engineer names each
person once: the engineer attribute cc-otel sets, else the engineer cc-otel's SessionStart hook
recorded for the session, else Claude Code's user.email, else its user.id (--json: engineerSource).
Last, "live now" (--json: liveNow): the Claude Code sessions running on this machine (their
manifests) and whether each one's telemetry reached this data dir (docs/sessions.md).

Examples:
  cc-otel report                       last 7 days by engineer
  cc-otel report --by day --since 30d
  cc-otel report --by model --csv > usage.csv
  cc-otel report --by model --team core --since 30d`,
    )
    .action(async (opts: ReportCliOptions) => {
      const ctx = getCtx();
      const { CcOtelError } = await import('../errors.js');
      if (opts.json && opts.csv) throw new CcOtelError('USAGE', '--json and --csv are exclusive');
      if (opts.daily && !opts.json) throw new CcOtelError('USAGE', '--daily needs --json', { hint: 'or use --by day for one row per day' });
      const { parseSince } = await import('../report/since.js');
      const { buildReport } = await import('../report/build.js');
      const render = await import('../report/render.js');
      const now = ctx.now();
      const since = parseSince(opts.since, now);
      const until = opts.until === undefined ? undefined : parseSince(opts.until, now);
      const dataDir = opts.dataDir ?? ctx.env.CC_OTEL_DATA_DIR ?? userDirs(ctx).data;
      const filter = { engineer: opts.engineer, team: opts.team, org: opts.org, model: opts.model, project: opts.project, session: opts.session };
      const report = buildReport({ dataDir, since, until, by: opts.by, dayBoundary: opts.utc ? 'utc' : 'local', filter, daily: opts.daily === true });
      if (opts.csv) return void process.stdout.write(render.renderCsv(report));
      // "live now": the sessions running on this machine, and whether their telemetry got here (docs/sessions.md)
      const { liveNow, renderLiveNow } = await import('../sessions/live-now.js');
      const live = liveNow(ctx.homeDir, dataDir, now);
      if (opts.json) process.stdout.write(render.renderJson({ ...report, liveNow: live } as typeof report));
      else process.stdout.write((report.rows.length === 0 ? render.renderEmpty(report, dataDir) : render.renderTable(report)) + renderLiveNow(live));
    });
}
