// What ships: the tarball `npm pack` made for this run (test/helpers/artifact-setup.ts) holds the
// built bundles, the bin shim, configs and docs — and none of the sources or tests — and, installed
// with `npm install -g`, a bare `cc-otel` on PATH runs (the bin link, its shebang, its mode).
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/claude.js';
import { CC_OTEL_ARTIFACT, CC_OTEL_BIN, CC_OTEL_PACKAGE_DIR } from '../helpers/cc-otel.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

describe('the tarball', () => {
  // The tarball itself, read by tar (npm's report of it is CC_OTEL_ARTIFACT.files; they must agree).
  const listed = spawnSync('tar', ['-tzf', CC_OTEL_ARTIFACT.tarball], { encoding: 'utf8' });
  const files = listed.stdout
    .split('\n')
    .filter((l) => l && !l.endsWith('/'))
    .map((l) => l.replace(/^package\//, ''))
    .sort();

  test('npm pack reported what is in it', () => {
    expect(listed.status, listed.stderr).toBe(0);
    expect(files).toEqual(CC_OTEL_ARTIFACT.files);
  });

  test('has the built bundles (prepack built them), the bin shim, configs, docs and the README', () => {
    for (const f of ['dist/hot.cjs', 'dist/cli.js', 'bin/cc-otel.js', 'bin/package.json', 'package.json', 'README.md']) expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('dist/chunks/'))).toBe(true);
    expect(files.some((f) => f.startsWith('configs/'))).toBe(true);
    expect(files.some((f) => f.startsWith('docs/'))).toBe(true);
    // issue 15: what `cc-otel stack init` provisions, and what users import by hand
    for (const f of ['dashboards/grafana/claude-code.json', 'alerts/prometheus/claude-code.rules.yml', 'alerts/prometheus/claude-code.rules.test.yml']) expect(files).toContain(f);
    expect(Object.values(pkg.bin)).toEqual(['bin/cc-otel.js']);
  });

  test('has no sources, tests, benches, scripts, lockfile or TypeScript', () => {
    expect(files.filter((f) => /^(src|test|bench|scripts|node_modules|\.ci)\//.test(f) || f === 'package-lock.json' || f === 'tsconfig.json' || /\.ts$/.test(f))).toEqual([]);
  });

  test('every chunk the ESM CLI imports is in it', () => {
    const dist = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    let imports = 0;
    for (const f of dist) {
      const text = readFileSync(join(CC_OTEL_PACKAGE_DIR, f), 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)) expect(files, `${f} imports ${m[1]}`).toContain(join(dirname(f), m[1]!)), imports++;
    }
    expect(imports).toBeGreaterThan(dist.length); // the pattern does find the bundle's imports
  });
});

describe('installed with npm install -g', () => {
  test('the bin link leads to the installed bin/cc-otel.js, executable', () => {
    expect(realpathSync(CC_OTEL_BIN)).toBe(join(CC_OTEL_PACKAGE_DIR, 'bin', 'cc-otel.js'));
    expect(statSync(CC_OTEL_BIN).mode & 0o111).not.toBe(0);
  });

  test('a bare `cc-otel` on PATH runs it (`command -v cc-otel`, then --version and --help)', () => {
    const PATH = `${dirname(CC_OTEL_BIN)}:${dirname(process.execPath)}:/usr/bin:/bin`;
    const sh = (cmd: string) => spawnSync('/bin/sh', ['-c', cmd], { cwd: CC_OTEL_ARTIFACT.prefix, env: { PATH, HOME: '/nonexistent-home' }, encoding: 'utf8' });
    const which = sh('command -v cc-otel');
    expect(which.stdout.trim()).toBe(CC_OTEL_BIN);
    const v = sh('cc-otel --version');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const h = sh('cc-otel --help');
    expect(h.status, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/Usage: cc-otel/);
    // the hot path too, through the same link: inert with no configuration
    const headers = sh('cc-otel headers');
    expect(headers.status, headers.stderr).toBe(0);
    expect(headers.stdout.trim()).toBe('{}');
  });
});
