/**
 * `cc-otel sessions`: live Claude Code sessions on this machine, from their manifests.
 */
import type { Command } from 'commander';
import type { Context } from '../context.js';

interface SessionsCliOptions {
  json?: boolean;
  all?: boolean;
  crossCheck: boolean;
}

export function define(program: Command, getCtx: () => Context): void {
  program
    .command('sessions')
    .description('live Claude Code sessions on this machine (id, pid, project, version, model, age); stale ones apart')
    .option('--json', 'print JSON')
    .option('--all', 'also list skipped manifest files (truncated, not JSON, unknown shape, symlinks)')
    .option('--no-cross-check', 'do not run `claude agents --json` as a cross-check')
    .addHelpText(
      'after',
      `
Reads ~/.claude/sessions/<pid>.json (never writes there). A session is live when its pid exists
and the process start time matches the manifest's procStart; a dead or reused pid is stale.
When claude is on PATH, \`claude agents --json\` (5 s timeout) cross-checks the live list.`,
    )
    .action(async (opts: SessionsCliOptions) => {
      const ctx = getCtx();
      const { loadSessions } = await import('../sessions/index.js');
      const { sessionRow, compareWithAgents, runClaudeAgents } = await import('../sessions/view.js');
      const now = ctx.now();
      const { sessions, skipped } = loadSessions(ctx.homeDir);
      const live = sessions.filter((s) => s.liveness === 'alive');
      const stale = sessions.filter((s) => s.liveness !== 'alive');
      let crossCheck: import('../sessions/view.js').CrossCheck = { ran: false, reason: 'disabled (--no-cross-check)' };
      if (opts.crossCheck) {
        const out = await runClaudeAgents({ ...ctx.env, HOME: ctx.homeDir });
        crossCheck = typeof out === 'string' ? compareWithAgents(live, out) : { ran: false, reason: out.error };
      }
      if (opts.json) {
        const body: Record<string, unknown> = {
          live: live.map((s) => sessionRow(s, now)),
          stale: stale.map((s) => sessionRow(s, now)),
          skippedCount: skipped.length,
          crossCheck,
        };
        if (opts.all) body.skipped = skipped;
        process.stdout.write(JSON.stringify(body, null, 2) + '\n');
        return;
      }
      const line = (s: (typeof sessions)[number]): string => {
        const r = sessionRow(s, now);
        const age = r.ageSeconds === null ? '?' : r.ageSeconds < 3600 ? `${Math.round(r.ageSeconds / 60)}m` : `${(r.ageSeconds / 3600).toFixed(1)}h`;
        return `  ${r.sessionId}  pid ${r.pid}  ${r.project}  ${r.version ?? '?'}  ${r.entrypoint ?? r.kind ?? '?'}  ${r.model ?? '-'}  age ${age}${s.liveness === 'pid-reused' ? '  (pid reused)' : ''}\n`;
      };
      process.stdout.write(live.length === 0 ? 'No live Claude Code sessions.\n' : `Live sessions (${live.length}):\n${live.map(line).join('')}`);
      if (stale.length > 0) process.stdout.write(`Stale manifests (${stale.length}, crashed or pid reused):\n${stale.map(line).join('')}`);
      if (skipped.length > 0) process.stdout.write(`Skipped ${skipped.length} unreadable manifest file(s)${opts.all ? ':\n' + skipped.map((s) => `  ${s.file}  ${s.reason}\n`).join('') : ' (--all lists them).\n'}`);
      if (crossCheck.ran && !crossCheck.agreed) process.stdout.write(`claude agents disagrees: only there ${crossCheck.onlyInAgents.join(', ') || '-'}; only in manifests ${crossCheck.onlyInManifests.join(', ') || '-'}\n`);
    });
}
