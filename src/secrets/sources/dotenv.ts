/**
 * `dotenv:NAME` — the project's .env, then the user config dir's .env. The real environment beats
 * .env: a set variable of the same name wins (dotenv's own rule). Parsed with dotenv.parse(),
 * which never logs and never touches process.env (dotenv 17's config() logs to stdout, which
 * would corrupt the headers helper's JSON — ../shared/docs/secrets-and-startup.md §3.4).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeySource } from '../types.js';

export const fromDotenv: KeySource = {
  name: 'dotenv',
  cacheable: false,
  timeoutMs: 0,
  handles: (ref) => ref.kind === 'dotenv',
  async resolve(ref, ctx) {
    if (ref.kind !== 'dotenv') return { status: 'skipped', reason: 'not a dotenv: reference' };
    const real = ctx.env[ref.name];
    if (real) return { status: 'found', value: real, detail: `env ${ref.name} (beats .env)` };
    const files = [ctx.projectDir && join(ctx.projectDir, '.env'), join(ctx.userConfigDir, '.env')].filter((f): f is string => Boolean(f));
    const looked: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        return { status: 'failed', reason: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`, hint: `check the permissions of ${file}` };
      }
      looked.push(file);
      // Loaded only when there is a .env to parse: most hook and helper runs never need it.
      const { parse } = await import('dotenv');
      const v = parse(text)[ref.name];
      if (v) return { status: 'found', value: v, detail: `${file} ${ref.name}` };
    }
    return { status: 'skipped', reason: looked.length ? `${ref.name} not in ${looked.join(', ')}` : `no .env in ${files.join(' or ')}` };
  },
};
