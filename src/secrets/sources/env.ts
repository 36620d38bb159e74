import type { KeySource } from '../types.js';

/** `env:NAME` — the process environment. Never cached. */
export const fromEnv: KeySource = {
  name: 'env',
  cacheable: false,
  timeoutMs: 0,
  handles: (ref) => ref.kind === 'env',
  async resolve(ref, ctx) {
    if (ref.kind !== 'env') return { status: 'skipped', reason: 'not an env: reference' };
    const v = ctx.env[ref.name];
    return v ? { status: 'found', value: v, detail: `env ${ref.name}` } : { status: 'skipped', reason: `${ref.name} is not set`, hint: `set ${ref.name} (export it in the environment claude starts from)` };
  },
};
