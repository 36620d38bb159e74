/**
 * 2. Key: resolved through the same chain the headers helper uses (cache included), and from which
 * source; a failure names the source and its fix. The key itself never appears in the result.
 */
import { CcOtelError } from '../../errors.js';
import { buildTelemetry, keyRefs } from '../../otel/build-env.js';
import { cacheEnabled, chainOptions, deadlineOf } from '../../resolve-telemetry.js';
import { resolveKey } from '../../secrets/chain.js';
import type { Check } from '../types.js';
import { DEFAULT_SLOW_HELPER_MS } from './claude.js';
import { needPlan } from './state.js';

export const keyCheck: Check = {
  id: 'key',
  title: 'Key',
  required: true,
  needs: ['config'],
  async run(v) {
    const { loaded, plan } = needPlan(v);
    const dirs = v.state.dirs;
    if (!dirs) throw new CcOtelError('CONFIG_INVALID', 'the configuration was not loaded');
    if (plan.keyNeeded === 'none') return { status: 'pass', value: 'not needed', source: `backend ${plan.backend} sends no auth header` };

    const refs = keyRefs(loaded);
    // The helper's own deadline: a source slower than that fails Claude Code too.
    const deadline = Math.min(Math.floor(deadlineOf(loaded, v.ctx.env) * 0.9), Math.max(1, v.remainingMs() - 500));
    const chain = await resolveKey(v.ctx, chainOptions(v.ctx, loaded, dirs, {}, deadline));
    v.state.chain = chain;
    const attempts = chain.attempts.map((a) => ({ ref: a.ref, source: a.source, result: a.result, detail: a.detail, ms: a.ms }));
    const trail = chain.attempts.map((a) => `${a.ref}: ${a.result} — ${a.detail} (${a.ms} ms)`);
    const headerNames = plan.authHeaderNames.join(', ');

    if (chain.key) {
      v.state.plan = buildTelemetry(loaded, { env: v.ctx.env, user: v.ctx.user, key: chain.key });
      // A source read (not the cache) as slow as this is what the headers helper costs whenever the
      // cache is empty or expired — or always, with the cache off (facts §2: > 1 s loses short sessions).
      const read = chain.attempts.find((a) => a.result === 'found');
      const slowMs = v.options.slowHelperMs ?? DEFAULT_SLOW_HELPER_MS; // claude-code-facts §2: slower loses short sessions
      if (read && read.ms > slowMs) {
        const cacheOn = cacheEnabled(loaded, v.ctx.env) && read.slow === true;
        return {
          status: 'warn',
          value: `resolved (sent as ${headerNames}), but reading ${read.ref} took ${read.ms} ms: above ${slowMs} ms a short session (claude -p) can end before the headers helper answers`,
          source: chain.key.detail,
          fix: cacheOn
            ? 'the key cache hides this until it expires: warm it before claude in CI (`cc-otel headers > /dev/null`), or put a faster key source first'
            : 'turn the key cache on (cache.enabled, no CC_OTEL_NO_CACHE) or put a faster key source first: every session pays this read',
          details: { refs, attempts },
        };
      }
      return {
        status: 'pass',
        value: `resolved (sent as ${headerNames})`,
        source: chain.key.detail,
        details: { refs, attempts },
      };
    }
    const err = chain.error ?? new CcOtelError('KEY_NOT_FOUND', 'no key found');
    const failed = [...chain.attempts].reverse().find((a) => a.result === 'failed');
    if (plan.keyNeeded === 'optional' && err.code === 'KEY_NOT_FOUND')
      return {
        status: 'warn',
        value: `no key found: exports go without ${headerNames}`,
        source: `tried ${refs.join(', ')}`,
        fix: err.hint ?? `set one of ${refs.join(', ')}`,
        problems: trail,
        details: { refs, attempts },
      };
    return {
      status: 'fail',
      value: err.message.split('\n')[0] ?? err.message,
      source: failed ? failed.ref : `tried ${refs.join(', ')}`,
      ...(err.hint ? { fix: err.hint } : {}),
      problems: trail,
      code: err.code,
      details: { refs, attempts },
    };
  },
};
