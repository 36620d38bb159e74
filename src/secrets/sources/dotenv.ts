/**
 * `dotenv:NAME` — the project's .env, then the user config dir's .env. The real environment beats
 * .env: a set variable of the same name wins (dotenv's own rule). Parsed with dotenv.parse(),
 * which never logs and never touches process.env (dotenv 17's config() logs to stdout, which
 * would corrupt the headers helper's JSON — ../shared/docs/secrets-and-startup.md §3.4).
 *
 * The project's .env is a stranger's until the user trusts it (issue #11): read only when
 * `cc-otel trust` recorded this content (trust/store.ts), it is the user's own file (another
 * owner, or group/world-writable: skipped), and CC_OTEL_PROJECT_CONFIG is not `ignore`. Otherwise a
 * repository's `CC_OTEL_API_KEY=…` would send the user's telemetry into someone else's account.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeySource, SourceContext } from '../types.js';
import { userDirs } from '../../config/dirs.js';
import { projectPolicyOf } from '../../config/load.js';
import { ownershipProblem } from '../../trust/ownership.js';
import { readTrustStore, snapshotFile, trustKey, trustVerdict } from '../../trust/store.js';
import { isCcOtelError } from '../../errors.js';

type Read = { text: string } | { absent: true } | { refused: string } | { error: string };

/** The project .env, if the user trusts it — decided before a byte of it is read. */
function readProjectDotenv(file: string, ctx: SourceContext): Read {
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (!st) return { absent: true };
  const dir = dirname(file);
  if (projectPolicyOf(ctx.env).policy === 'ignore') return { refused: `${file} not read (CC_OTEL_PROJECT_CONFIG=ignore)` };
  if (st.isSymbolicLink()) return { refused: `${file} not read: it is a symbolic link (trust is for the file itself)` };
  if (!st.isFile()) return { refused: `${file} not read: not a regular file` };
  const owner = ownershipProblem(st);
  if (owner) return { refused: `${file} not read: it ${owner}` };
  const stateDir = userDirs(ctx).state;
  const store = readTrustStore(stateDir);
  let key: string;
  try {
    key = trustKey(file);
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
  const untrusted = { refused: `${file} not read: not trusted (run \`cc-otel trust ${dir}\`)` };
  if (!Object.hasOwn(store.files, key)) return untrusted;
  let snap;
  try {
    snap = snapshotFile(file, undefined, key);
  } catch (e) {
    return { refused: `${file} not read: ${isCcOtelError(e) ? e.message : ((e as NodeJS.ErrnoException).code ?? String(e))}` };
  }
  const verdict = trustVerdict(stateDir, 'dotenv', snap, store);
  if (verdict === 'changed') return { refused: `${file} not read: it changed since it was trusted (run \`cc-otel trust ${dir}\`)` };
  if (verdict !== 'trusted') return untrusted;
  return { text: snap.bytes.toString('utf8') };
}

function readUserDotenv(file: string): Read {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { absent: true };
    return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}

export const fromDotenv: KeySource = {
  name: 'dotenv',
  cacheable: false,
  timeoutMs: 0,
  handles: (ref) => ref.kind === 'dotenv',
  async resolve(ref, ctx) {
    if (ref.kind !== 'dotenv') return { status: 'skipped', reason: 'not a dotenv: reference' };
    const real = ctx.env[ref.name];
    if (real) return { status: 'found', value: real, detail: `env ${ref.name} (beats .env)` };
    const files: Array<{ file: string; read: () => Read }> = [];
    if (ctx.projectDir) {
      const file = join(ctx.projectDir, '.env');
      files.push({ file, read: () => readProjectDotenv(file, ctx) });
    }
    const userFile = join(ctx.userConfigDir, '.env');
    // The same file twice (a project dir that is the user config dir) is the user's.
    if (files[0]?.file === userFile) files.length = 0;
    files.push({ file: userFile, read: () => readUserDotenv(userFile) });
    const looked: string[] = [];
    const notes: string[] = [];
    for (const { file, read } of files) {
      const r = read();
      if ('absent' in r) continue;
      if ('refused' in r) {
        notes.push(r.refused);
        continue;
      }
      if ('error' in r) return { status: 'failed', reason: `cannot read ${file}: ${r.error}`, hint: `check the permissions of ${file}` };
      looked.push(file);
      // Loaded only when there is a .env to parse: most hook and helper runs never need it.
      const dotenv = await import('dotenv');
      // dotenv 18 ships a CommonJS bundle: in the ESM CLI bundle esbuild gives it only a default
      // export (the CJS hot bundle has the named one). `f is not a function` otherwise (issue #13).
      const parse = (dotenv as Partial<typeof dotenv>).parse ?? (dotenv as unknown as { default: typeof dotenv }).default.parse;
      const v = parse(r.text)[ref.name];
      if (v) return { status: 'found', value: v, detail: `${file} ${ref.name}${notes.length ? ` (${notes.join('; ')})` : ''}` };
    }
    const where = looked.length ? `${ref.name} not in ${looked.join(', ')}` : `no .env in ${files.map((f) => f.file).join(' or ')}`;
    return {
      status: 'skipped',
      reason: notes.length ? `${where}; ${notes.join('; ')}` : where,
      hint: `put ${ref.name}=<key> in ${userFile}${ctx.projectDir ? " (or in the project's .env, read once the project is trusted)" : ''}, or set ${ref.name}`,
    };
  },
};
