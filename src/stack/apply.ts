/**
 * Writing a stack plan (plan.ts), finding the shipped assets, and running Docker Compose for
 * `cc-otel stack up|down|status`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CcOtelError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { META_FILE, type StackAssets, type StackMeta, type StackPlan } from './plan.js';

/** The package's root (its package.json is cc-otel's): the bundle runs from dist/ or dist/chunks/, the sources from src/stack/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'cc-otel') return dir;
    } catch {
      /* not here */
    }
    dir = dirname(dir);
  }
  throw new CcOtelError('IO', 'cannot find the cc-otel package directory (its dashboards/ and alerts/)');
}

export const DASHBOARD_ASSET = 'dashboards/grafana/claude-code.json';
export const RULES_ASSET = 'alerts/prometheus/claude-code.rules.yml';

export function loadStackAssets(): StackAssets {
  const root = packageRoot();
  const read = (rel: string) => {
    try {
      return readFileSync(join(root, rel), 'utf8');
    } catch (e) {
      throw new CcOtelError('IO', `cannot read ${rel} from the cc-otel package at ${root}: ${(e as Error).message}`, { hint: 'reinstall cc-otel: the package ships dashboards/ and alerts/' });
    }
  };
  return { dashboardJson: read(DASHBOARD_ASSET), rulesYml: read(RULES_ASSET) };
}

export interface ApplyResult {
  written: string[];
  unchanged: string[];
}

/** Write the plan into `dir`. A file that is there with other content is refused unless `force` (nothing is written then). */
export function applyStackPlan(dir: string, plan: StackPlan, force: boolean): ApplyResult {
  const written: string[] = [];
  const unchanged: string[] = [];
  const conflicts: string[] = [];
  const todo: Array<{ path: string; content: string }> = [];
  for (const f of plan.files) {
    const path = join(dir, f.path);
    let old: string | undefined;
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      old = undefined;
    }
    if (old === f.content) unchanged.push(f.path);
    else {
      if (old !== undefined && !force) conflicts.push(f.path);
      todo.push({ path, content: f.content });
    }
  }
  if (conflicts.length > 0) {
    throw new CcOtelError('IO', `${dir} already holds a different ${conflicts.join(', ')}`, {
      hint: 'pass --force to overwrite them (your edits there are lost), or pick another directory',
    });
  }
  for (const t of todo) {
    mkdirSync(dirname(t.path), { recursive: true });
    writeFileAtomic(t.path, t.content, { mode: 0o644 });
    written.push(t.path.slice(dir.length + 1));
  }
  return { written, unchanged };
}

export function readStackMeta(dir: string): StackMeta {
  const path = join(dir, META_FILE);
  if (!existsSync(join(dir, 'docker-compose.yml')) || !existsSync(path)) {
    throw new CcOtelError('USAGE', `no cc-otel stack in ${dir}`, { hint: `create one: cc-otel stack init ${dir}` });
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StackMeta;
  } catch (e) {
    throw new CcOtelError('IO', `cannot read ${path}: ${(e as Error).message}`, { hint: `re-create the stack: cc-otel stack init --force ${dir}` });
  }
}

export interface ComposeCommand {
  /** argv[0] and the arguments before compose's own */
  cmd: string;
  pre: string[];
}

/** `docker compose` (the plugin) when it answers, else `docker-compose` (v1, or the standalone v2). */
export function findCompose(env: NodeJS.ProcessEnv): ComposeCommand {
  const ok = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { env, stdio: 'ignore', timeout: 15_000 });
    return r.status === 0;
  };
  if (ok('docker', ['compose', 'version'])) return { cmd: 'docker', pre: ['compose'] };
  if (ok('docker-compose', ['version'])) return { cmd: 'docker-compose', pre: [] };
  throw new CcOtelError('CHECK_FAILED', 'neither `docker compose` nor `docker-compose` is installed', {
    hint: 'install Docker Desktop (macOS, Windows) or Docker Engine with the compose plugin (Linux: https://docs.docker.com/engine/install/, then `apt-get install docker-compose-plugin`); the stack files are plain Compose: any Compose runner works',
  });
}

/** Run compose in the stack dir with the terminal attached; resolves to its exit code. */
export function runCompose(c: ComposeCommand, dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(c.cmd, [...c.pre, '-f', join(dir, 'docker-compose.yml'), '--project-directory', dir, ...args], { cwd: dir, env, stdio: 'inherit' });
    child.once('error', (e) => reject(new CcOtelError('IO', `cannot run ${c.cmd}: ${e.message}`, { cause: e })));
    child.once('close', (code) => resolve(code ?? 1));
  });
}
