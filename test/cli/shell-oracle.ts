// Oracles for what cc-otel writes for a shell: bash sources (or evals) the text, then a Node child
// started from that shell reports its environment and what the REAL @opentelemetry/resources
// EnvDetector makes of OTEL_RESOURCE_ATTRIBUTES (one malformed entry and it returns nothing).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { REPO_ROOT } from '../helpers/claude.js';

export interface ShellView {
  /** bash's exit status (non-zero: the file is not valid shell, or a command in it failed) */
  status: number | null;
  stderr: string;
  /** the environment a program started after `source` sees */
  env: Record<string, string>;
  /** OTEL_RESOURCE_ATTRIBUTES as the OTel JS SDK parses it */
  resource: Record<string, string>;
}

const ORACLE = `
const { envDetector } = require(require.resolve('@opentelemetry/resources', { paths: [${JSON.stringify(REPO_ROOT)}] }));
process.stdout.write(JSON.stringify({ env: process.env, resource: envDetector.detect().attributes }));
`;

/**
 * `mode: 'source'` runs `source <file>` (what Claude Code does with $CLAUDE_ENV_FILE before each
 * Bash command); `'eval'` runs `eval "$(cat <file>)"` (what a user does with `cc-otel env`).
 * The shell starts from a cleared environment (PATH only) in `cwd`.
 */
export function shellView(file: string, cwd: string, mode: 'source' | 'eval' = 'source'): ShellView {
  const script = mode === 'source' ? 'source "$1" || exit 97; exec "$2" -e "$3"' : 'eval "$(cat "$1")" || exit 97; exec "$2" -e "$3"';
  // --norc and no stdin: bash sources ~/.bashrc when its stdin is a socket (Node's pipes are), as
  // if run by sshd — the test must see only what the file sets.
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'bash', file, process.execPath, ORACLE], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    encoding: 'utf8',
    timeout: 10_000,
  });
  let parsed: { env: Record<string, string>; resource: Record<string, string> } = { env: {}, resource: {} };
  if (r.status === 0) parsed = JSON.parse(r.stdout) as typeof parsed;
  return { status: r.status, stderr: r.stderr, ...parsed };
}

/**
 * Values no shell file may execute: each would create `pwned-<tag>-N` in the shell's cwd if it ever
 * ran. Every character a quoting bug would trip on: ', ", \, $(…), backticks, ;, &, |, newline,
 * globs, `,`/`=` (the OTel list separators) and `%` (their escape). Short enough to stay under the
 * 255-character attribute limit once percent-encoded.
 */
export function adversarial(tag: string): string {
  return `it's "q" $(touch pwned-${tag}-1) \`touch pwned-${tag}-2\`; touch pwned-${tag}-3 & |*\\\n$HOME %2C,=`;
}

/** Like `adversarial` but without control characters or ",": what a header value may hold. */
export function adversarialKey(): string {
  return `k'ey" $(touch pwned-key-1) \`touch pwned-key-2\`; touch pwned-key-3 & |*\\ $HOME %41 =+/`;
}

/** Every `pwned*` file under `root` (there must be none). */
export function pwnedFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).filter((p) => /(^|\/)pwned/.test(p));
}
