/**
 * `cc-otel trust [DIR]`, `--revoke [DIR]`, `--list` — the trust boundary for project files
 * (issue #11, docs/security.md "Untrusted repositories"). Until trusted, a project's .cc-otel.json
 * keeps only `team` and `attributes`, and its .env is not read.
 */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { printable } from '../trust/printable.js';

interface TrustOptions {
  revoke?: boolean;
  prune?: boolean;
  list?: boolean;
  json?: boolean;
}

export function define(program: Command, getCtx: () => Context): void {
  program
    .command('trust [dir]')
    .description("let a project's .cc-otel.json and .env steer cc-otel (by content: an edit untrusts them again)")
    .option('--revoke', 'forget the trust given to DIR (its files are untrusted again)')
    .option('--list', 'list every trusted file and whether it is still as trusted')
    .option('--prune', 'forget the trust of files that are gone (a project moved or deleted)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
A cloned repository's .cc-otel.json is somebody else's input. Until you trust it, cc-otel applies
only its "team" and "attributes"; its backend, endpoint, key references, privacy switches and
event-log settings are ignored, and the project .env is not read. \`cc-otel trust\` records the
real path and sha256 of the project file the hook finds from DIR (default: the current directory)
and of the .env beside it, in cc-otel's state dir (0600). A file that changes is untrusted again.

Fleets: CC_OTEL_PROJECT_CONFIG=ignore (e.g. in managed settings' "env") ignores project files
entirely. Path settings (events.logFile, verify.local.dataDir) never come from a project file.

Examples:
  cc-otel trust                 trust the project in the current directory
  cc-otel trust ~/src/app       trust another project
  cc-otel trust --revoke        untrust it again (or --revoke <dir or file>)
  cc-otel trust --prune         forget entries of moved or deleted projects
  cc-otel trust --list --json`,
    )
    .action(async (dir: string | undefined, o: TrustOptions) => {
      const ctx = getCtx();
      const core = await import('../trust/project.js');
      if (o.list && (o.revoke || dir !== undefined)) throw new CcOtelError('USAGE', '--list takes no directory and no --revoke', { hint: 'cc-otel trust --list' });
      if (o.prune) {
        const removed = core.pruneMissing(ctx);
        if (o.json) return void process.stdout.write(`${JSON.stringify({ pruned: removed }, null, 2)}\n`);
        process.stdout.write(removed.length ? removed.map((p) => `forgot ${printable(p)} (gone)\n`).join('') : 'nothing to prune: every trusted file is still there\n');
        return;
      }
      if (o.list) {
        const entries = core.listTrusted(ctx);
        if (o.json) return void process.stdout.write(`${JSON.stringify({ trusted: entries }, null, 2)}\n`);
        if (!entries.length) return void process.stdout.write('no trusted project files (cc-otel trust [DIR] adds one)\n');
        const w = Math.max(...entries.map((e) => e.state.length));
        process.stdout.write(entries.map((e) => `${e.state.padEnd(w)}  ${e.kind === 'config' ? 'config' : '.env  '}  ${printable(e.path)}  (trusted ${e.trustedAt})${e.state === 'changed' ? '  — changed since: untrusted until `cc-otel trust` again' : ''}\n`).join(''));
        return;
      }
      if (o.revoke) {
        const r = core.revokeDir(ctx, dir);
        if (o.json) return void process.stdout.write(`${JSON.stringify({ dir: r.dir, revoked: r.removed }, null, 2)}\n`);
        process.stdout.write(r.removed.length ? r.removed.map((p) => `revoked ${printable(p)}\n`).join('') : `nothing was trusted for ${printable(r.dir)}\n`);
        return;
      }
      const plan = core.trustTargets(ctx, dir);
      const done = core.trustTargetsNow(ctx, plan.targets);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ dir: plan.dir, trusted: done.map((t) => ({ kind: t.kind, path: t.realPath, sha256: t.sha256, grants: t.grants, was: t.verdict })), skipped: plan.skipped }, null, 2)}\n`, );
        return;
      }
      let out = '';
      for (const t of done) {
        out += `trusted ${printable(t.realPath)} (sha256 ${t.sha256.slice(0, 12)}…)\n`;
        if (t.grants.length) out += `  it decides: ${printable(t.grants.join('; '))}\n`;
      }
      for (const s of plan.skipped) out += `skipped ${printable(s.path)}: ${printable(s.reason)}\n`;
      out += 'An edit to a trusted file untrusts it again; `cc-otel trust --revoke` undoes this.\n';
      process.stdout.write(out);
    });
}
