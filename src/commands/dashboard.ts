/**
 * `cc-otel dashboard`: open the running collector's dashboard in the browser, or print its URL.
 */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { userDirs } from '../config/dirs.js';

export function define(program: Command, getCtx: () => Context): void {
  program
    .command('dashboard')
    .description("open the local collector's dashboard in the browser (prints the URL where there is no display)")
    .option('--print', 'print the URL, never open a browser')
    .option('--data-dir <dir>', 'data dir of the collector (default: $CC_OTEL_DATA_DIR or the user data dir)')
    .addHelpText(
      'after',
      `
The dashboard is served by \`cc-otel collect\` on its HTTP port, for this machine only
(http://127.0.0.1:<port>/). Its figures are \`cc-otel report --json\` for the range and filters
chosen. Over SSH: forward the port (ssh -L 4318:127.0.0.1:4318 <host>) and open the printed URL.
Exits 1 when no collector runs for the data dir. See docs/dashboard.md.`,
    )
    .action(async (opts: { print?: boolean; dataDir?: string }) => {
      const ctx = getCtx();
      const { readCollectorStatus } = await import('../collector/daemon.js');
      const { planDashboard } = await import('../dashboard/open.js');
      const dataDir = opts.dataDir ?? ctx.env.CC_OTEL_DATA_DIR ?? userDirs(ctx).data;
      const plan = planDashboard(await readCollectorStatus(dataDir), ctx.env, ctx.platform, { print: opts.print === true, dataDirFlag: opts.dataDir });
      if (plan.open) {
        const { spawn } = await import('node:child_process');
        const opened = await new Promise<boolean>((resolve) => {
          const child = spawn(plan.open!, [plan.url], { stdio: 'ignore', detached: true });
          child.once('error', () => resolve(false));
          child.once('spawn', () => {
            child.unref();
            resolve(true);
          });
        });
        if (opened) {
          process.stdout.write(`${plan.url}\n`);
          process.stderr.write(`cc-otel: opened the dashboard with ${plan.open}\n`);
          return;
        }
        plan.printedBecause = `${plan.open} is not installed`;
      }
      process.stdout.write(`${plan.url}\n`);
      if (plan.printedBecause !== '--print') process.stderr.write(`cc-otel: open this URL in a browser on this machine (not opened: ${plan.printedBecause})\n`);
    });
}
