/**
 * `cc-otel demo` — the whole job on the embedded default, with no cloud account and no secret
 * manager, touching nothing of yours: an embedded collector on a free loopback port, a `local`
 * config for it, the real `install` into a throwaway Claude Code config dir, the real `verify
 * --query` (settings, the installed helper run as Claude Code would, a probe per signal, read-back
 * from the collector's store), and `report` over what was stored. All state lives in a temp dir.
 */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';

interface DemoOptions {
  keep?: boolean;
}

export function define(program: Command, getCtx: () => Context): void {
  program
    .command('demo')
    .description('run the whole pipeline on the embedded collector in a temp dir: install → verify --query → report (no account needed)')
    .option('--keep', 'keep the temp dir (config, settings, collected data) and print where it is')
    .action(async (o: DemoOptions) => {
      const ctx = getCtx();
      const { mkdtempSync, rmSync, writeFileSync, mkdirSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const { spawn } = await import('node:child_process');
      const { startCollector } = await import('../collector/collector.js');

      const root = mkdtempSync(join(tmpdir(), 'cc-otel-demo-'));
      const dataDir = join(root, 'data');
      const claudeDir = join(root, 'claude');
      mkdirSync(claudeDir);
      const say = (s: string) => process.stdout.write(`${s}\n`);
      const collector = await startCollector({ dataDir, httpPort: 0, grpcPort: null });
      let exit = 1;
      try {
        const configPath = join(root, 'cc-otel.json');
        writeFileSync(
          configPath,
          `${JSON.stringify({ backend: 'local', endpoint: collector.httpUrl, team: 'demo', org: 'cc-otel', verify: { local: { dataDir } } }, null, 2)}\n`,
        );
        // Children see only throwaway locations: config, Claude settings, cache/state/data dirs.
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          CC_OTEL_CONFIG: configPath,
          CLAUDE_CONFIG_DIR: claudeDir,
          XDG_CACHE_HOME: join(root, 'cache'),
          XDG_STATE_HOME: join(root, 'state'),
          XDG_DATA_HOME: join(root, 'xdg-data'),
          CC_OTEL_DATA_DIR: dataDir,
        };
        for (const k of Object.keys(env)) if (k.startsWith('OTEL_')) delete env[k];
        const cli = process.argv[1] ?? '';
        // Async: the collector answers from THIS process's event loop, which spawnSync would block.
        const run = (title: string, args: string[]) =>
          new Promise<number>((resolve) => {
            say(`\n━━ ${title}\n$ cc-otel ${args.join(' ')}`);
            const child = spawn(process.execPath, [cli, ...args], { env, cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
            child.on('error', () => resolve(1));
            child.on('exit', (code) => resolve(code ?? 1));
          });
        say(`embedded collector: ${collector.httpUrl} (data in ${dataDir})`);
        say(`config (${configPath}): backend local, team demo, org cc-otel`);
        if ((await run('1/3 wire Claude Code (a throwaway CLAUDE_CONFIG_DIR)', ['install', '--scope', 'user'])) !== 0)
          throw new CcOtelError('CHECK_FAILED', 'install failed (see above)');
        const verified = await run('2/3 prove it: settings, helper, a probe per signal, read-back', ['verify', '--query', '--wait', '15000']);
        // No Claude Code session runs in the demo: the collector holds verify's probes, which are not usage.
        await run('3/3 what the collector stored, as a report (no Claude Code session ran here: no usage rows yet)', ['report', '--data-dir', dataDir, '--since', 'all']);
        say(
          verified === 0
            ? '\nThe pipeline works end to end: settings, helper, a probe per signal into the collector and back. For real: `cc-otel collect --detach`, then ~/.config/cc-otel/config.json with {"backend":"local"} (or a project .cc-otel.json and `cc-otel trust`) and `cc-otel install`.\n' +
                'Then every Claude Code session lands in `cc-otel report`. Teams move to SigNoz, Grafana Cloud, … by changing "backend".'
            : '\nverify found a problem (above).',
        );
        exit = verified;
      } finally {
        await collector.close();
        if (o.keep) say(`\nkept: ${root}`);
        else rmSync(root, { recursive: true, force: true });
      }
      process.exitCode = exit;
    });
}
