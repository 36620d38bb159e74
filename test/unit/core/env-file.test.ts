// $CLAUDE_ENV_FILE is sourced by a real shell before every Bash command: adversarial values must
// be inert and read back byte-exact. The .env rendering must read back exactly through dotenv.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, constants, existsSync, linkSync, lstatSync, openSync, readFileSync, readSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as dotenvParse } from 'dotenv';
import { appendEnvFile, renderDotenv, renderExports, shellQuote } from '../../../src/claude/env-file.js';
import { CcOtelError } from '../../../src/errors.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function tmp(): string {
  const d = makeTempDir('cc-otel-envfile');
  dirs.push(d);
  return d.path;
}

/** Values that would do harm if the file were not quoted right; `T` is the temp dir. */
function adversarial(T: string): Record<string, string> {
  return {
    SQ: "it's",
    SQ_ESCAPED: "'\\''",
    ONLY_QUOTES: "''''",
    DQ: 'say "hi"',
    SUBST: `$(touch ${T}/pwned)`,
    SUBST_DQ: `"$(touch ${T}/pwned-dq)"`,
    BACKTICKS: `\`touch ${T}/pwned-bt\``,
    SEMI: `;rm -rf ${T}/victim`,
    BREAKOUT: `'; touch ${T}/pwned-breakout; echo '`,
    AMP: `& touch ${T}/pwned-amp &`,
    PIPE: `| touch ${T}/pwned-pipe`,
    NEWLINES: `line1\nline2\ntouch ${T}/pwned-nl\n`,
    TRAILING_NL: 'x\n\n',
    CRLF: 'a\r\nb',
    BACKSLASH: 'C:\\Users\\me\\',
    BACKSLASH_N: 'a\\nb',
    DOLLAR: '$HOME ${PATH} $1 $@ $$',
    GLOB: '* ? [a-z] ~',
    HISTORY: '!! !-1 !x',
    EMPTY: '',
    SPACES: '  lead and trail  ',
    TAB: 'a\tb',
    CONTROL: '\u0001\u001b[31mred\u007f',
    DASH: '-n -e',
    PERCENT: '%s %d %%',
    UNICODE: 'Zoë 日本 🚀',
    HEADERS: 'authorization=Basic dXNlcjpwYXNz+/9/Kw==,x-honeycomb-team=abc',
    LONG: 'k'.repeat(100_000),
  };
}

const CLEAN_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Source the file with `set -e` in a clean shell, then print every variable NUL-terminated. */
function sourceAndRead(shell: string, file: string, names: string[], cwd: string): { values: string[]; status: number | null; stderr: string } {
  const script =
    shell === 'bash'
      ? 'set -e; source "$0"; for n in "$@"; do printf "%s\\0" "${!n}"; done'
      : 'set -e; . "$0"; for n in "$@"; do eval "printf \'%s\\0\' \\"\\$$n\\""; done';
  // stdin 'ignore': with a socket on stdin, Debian's bash thinks it runs under sshd and reads ~/.bashrc
  const r = spawnSync(shell, ['-c', script, file, ...names], { cwd, env: CLEAN_ENV, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'buffer', maxBuffer: 16 << 20 });
  const out = r.stdout.toString('utf8');
  return { values: out.split('\0').slice(0, -1), status: r.status, stderr: r.stderr.toString() };
}

describe('renderExports: a file a shell sources safely', () => {
  for (const shell of ['bash', 'sh']) {
    it.skipIf(spawnSync(shell, ['-c', 'true']).status !== 0)(`${shell}: adversarial values are inert and read back byte-exact`, () => {
      const T = tmp();
      writeFileSync(join(T, 'victim'), 'still here');
      const vals = adversarial(T);
      const file = join(T, 'env.sh');
      writeFileSync(file, renderExports(Object.entries(vals).map(([name, value]) => ({ name, value }))));
      const r = sourceAndRead(shell, file, Object.keys(vals), T);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.values).toEqual(Object.values(vals));
      for (const f of ['pwned', 'pwned-dq', 'pwned-bt', 'pwned-breakout', 'pwned-amp', 'pwned-pipe', 'pwned-nl']) expect(existsSync(join(T, f)), f).toBe(false);
      expect(readFileSync(join(T, 'victim'), 'utf8')).toBe('still here');
    });
  }

  it('the variables are exported to child processes', () => {
    const T = tmp();
    const file = join(T, 'env.sh');
    writeFileSync(file, renderExports([{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' }]));
    const r = spawnSync('bash', ['-c', 'source "$0"; env | grep ^OTEL_', file], { env: CLEAN_ENV, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    expect(r.stdout).toBe('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\n');
  });

  it('one line per variable, single-quoted', () => {
    expect(renderExports([{ name: 'A', value: "it's" }, { name: 'B_2', value: '' }])).toBe("export A='it'\\''s'\nexport B_2=''\n");
    expect(shellQuote('$x')).toBe("'$x'");
  });

  it.each(['', '1A', 'A-B', 'A B', 'A;rm', 'A=B', '$(x)', 'é', 'A\nB'])('invalid name %j → rejected', (name) => {
    expect(() => renderExports([{ name, value: 'v' }])).toThrow(CcOtelError);
    expect(() => renderExports([{ name, value: 'v' }])).toThrow(/not a valid shell variable name/);
  });

  it('a NUL byte is rejected (a shell variable cannot hold one)', () => {
    expect(() => renderExports([{ name: 'A', value: 'a\0b' }])).toThrow(/NUL/);
  });

  it('appendEnvFile appends a whole block and makes the file 0600', () => {
    const T = tmp();
    const file = join(T, 'sessionstart-hook-1.sh');
    writeFileSync(file, 'export EXISTING=1\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    appendEnvFile(file, renderExports([{ name: 'A', value: 'x y' }]));
    expect(readFileSync(file, 'utf8')).toBe("export EXISTING=1\nexport A='x y'\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(sourceAndRead('bash', file, ['EXISTING', 'A'], T).values).toEqual(['1', 'x y']);
  });
});

// issue #11: $CLAUDE_ENV_FILE names a file; a symlink, FIFO, hard link or someone else's file there
// is refused — never written to, never chmod'ed (tests run as root: "someone else" is a chown).
describe('appendEnvFile refuses what is not a plain file of ours (issue #11)', () => {
  const snapshot = (p: string) => {
    const st = lstatSync(p);
    return { bytes: readFileSync(p, 'utf8'), mode: st.mode, uid: st.uid, nlink: st.nlink };
  };
  const block = renderExports([{ name: 'OTEL_EXPORTER_OTLP_HEADERS', value: 'authorization=Bearer sk-secret' }]);
  const refusal = (f: () => void) => {
    try {
      f();
    } catch (e) {
      return e as CcOtelError;
    }
    return undefined;
  };

  it('a symlink: the target is unchanged, its mode too (the old code appended and chmod 0600-ed it)', () => {
    const T = tmp();
    const target = join(T, 'bashrc');
    writeFileSync(target, 'export PATH=/usr/bin\n');
    chmodSync(target, 0o644);
    const file = join(T, 'sessionstart-hook-0.sh');
    symlinkSync(target, file);
    const before = snapshot(target);
    const e = refusal(() => appendEnvFile(file, block));
    expect(snapshot(target)).toEqual(before);
    expect(e).toBeInstanceOf(CcOtelError);
    expect(e?.code).toBe('UNSAFE_FILE');
    expect(e?.message).toMatch(/\$CLAUDE_ENV_FILE .*symbolic link/);
    expect(e?.hint).toBeTruthy();
  });

  it('a hard link to another file: refused, the file unchanged', () => {
    const T = tmp();
    const target = join(T, 'profile');
    writeFileSync(target, 'export A=1\n');
    chmodSync(target, 0o644);
    const file = join(T, 'sessionstart-hook-0.sh');
    linkSync(target, file);
    const before = snapshot(target);
    const e = refusal(() => appendEnvFile(file, block));
    expect(snapshot(target)).toEqual(before);
    expect(e?.code).toBe('UNSAFE_FILE');
  });

  it("someone else's file: refused, not chmod'ed", () => {
    const T = tmp();
    const file = join(T, 'sessionstart-hook-0.sh');
    writeFileSync(file, 'export A=1\n');
    chmodSync(file, 0o644);
    chownSync(file, 65534, 65534);
    const before = snapshot(file);
    const e = refusal(() => appendEnvFile(file, block));
    expect(snapshot(file)).toEqual(before);
    expect(e?.message).toMatch(/belongs to uid 65534/);
  });

  it('a FIFO (with a reader, so the old open succeeded): nothing goes into the pipe', () => {
    const T = tmp();
    const file = join(T, 'sessionstart-hook-0.sh');
    expect(spawnSync('mkfifo', [file]).status).toBe(0);
    const reader = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const e = refusal(() => appendEnvFile(file, block));
      let got = 0;
      try {
        got = readSync(reader, Buffer.alloc(4096));
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('EAGAIN');
      }
      expect(got).toBe(0);
      expect(e?.code).toBe('UNSAFE_FILE');
    } finally {
      closeSync(reader);
    }
  });
});

describe('renderDotenv: read back exactly by dotenv.parse', () => {
  const DOTENV_VALUES: Array<[string, string]> = [
    ['plain', 'abc123'],
    ['spaces', 'a b  c'],
    ['leading/trailing spaces', '  x  '],
    ['hash', 'x # not a comment'],
    ['equals and base64', 'authorization=Basic dXNlcjpwYXNz+/9/Kw=='],
    ['single quote', "it's"],
    ['double quotes', 'say "hi"'],
    ['both quotes', `it's "quoted"`],
    ['backticks', '`cmd`'],
    ['single quote and backtick', "it's `x`"],
    ['backslashes', 'C:\\Users\\me\\'],
    ['literal backslash-n', 'a\\nb'],
    ['literal backslash-n with a quote', "it's a\\nb"],
    ['newline', 'line1\nline2'],
    ['newline and single quote', "l1\nit's"],
    ['newline, single quote and backtick', "l1\nit's `x`"],
    ['carriage return', 'a\rb'],
    ['CRLF', 'a\r\nb'],
    ['dollar', '$HOME ${PATH}'],
    ['empty', ''],
    ['unicode', 'Zoë 日本 🚀'],
    ['tab', 'a\tb'],
    ['only a quote', "'"],
    ['only a double quote', '"'],
  ];

  it.each(DOTENV_VALUES)('%s', (_n, value) => {
    const text = renderDotenv([
      { name: 'BEFORE', value: 'b' },
      { name: 'V', value },
      { name: 'AFTER', value: 'a' },
    ]);
    expect(dotenvParse(text)).toEqual({ BEFORE: 'b', V: value, AFTER: 'a' });
  });

  it('all values in one file', () => {
    const vars = DOTENV_VALUES.map(([, value], i) => ({ name: `V${i}`, value }));
    expect(dotenvParse(renderDotenv(vars))).toEqual(Object.fromEntries(vars.map((v) => [v.name, v.value])));
  });

  it.each([
    ['every quote and a carriage return', `'"\`\r`],
    ['every quote and a literal \\n', `'"\`\\n`],
    ['a NUL byte', 'a\0b'],
  ])('what no dotenv form carries (%s) is refused, not corrupted', (_n, value) => {
    expect(() => renderDotenv([{ name: 'V', value }])).toThrow(CcOtelError);
  });

  it('invalid names are refused', () => {
    expect(() => renderDotenv([{ name: 'A B', value: 'x' }])).toThrow(/not a valid variable name/);
  });
});
