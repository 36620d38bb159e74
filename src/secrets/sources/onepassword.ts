/**
 * The 1Password key source (`op://vault/item[/section]/field`).
 *
 *  1. `OP_SERVICE_ACCOUNT_TOKEN` set in ctx.env → the 1Password SDK (service account).
 *  2. else an `op` binary on ctx.env.PATH → `op read --no-newline <ref>` (desktop app or an
 *     existing `op signin` session), stdin ignored, hard deadline, process group killed.
 *  3. else skipped.
 *
 * The SDK is loaded with `await import()` only on path 1: importing it compiles a 13.9 MB WASM
 * module (+85–110 ms, ../../../../shared/docs/secrets-and-startup.md §2.1). It has no timeout
 * option; a hung endpoint fails after ~10.5 s (undici's connect timeout), so the call is raced
 * against ctx.signal and the timeout, and the entry point's process.exit() ends the leftover fetch.
 */
import type * as OnePasswordSdk from '@1password/sdk';
import type { KeyRef, KeySource, SourceContext, SourceResult } from '../types.js';
import { TIMED_OUT, findOnPath, raceDeadline, runCli, stderrReason } from './run-cli.js';

/** Recorded by 1Password for audit ("integration"). The version is esbuild's define (scripts/build.mjs), as in program.ts. */
declare const __CC_OTEL_VERSION__: string | undefined;
export const INTEGRATION_NAME = 'cc-otel';
export const INTEGRATION_VERSION = typeof __CC_OTEL_VERSION__ === 'string' ? __CC_OTEL_VERSION__ : '0.0.0-dev';

const REF_FORMAT = 'op://<vault>/<item>/[<section>/]<field>';
const SIGN_IN_HINT = 'run `eval $(op signin)` or set OP_SERVICE_ACCOUNT_TOKEN';

export interface OpRefParts {
  vault: string;
  item: string;
  section: string | undefined;
  field: string;
  /** e.g. `attribute=otp` */
  query: string | undefined;
}

/**
 * Cheap shape check of a secret reference, before anything is imported or spawned. Names may
 * contain spaces and punctuation (the CLI accepts them); only `/` separates segments.
 */
export function parseOpRef(ref: string): OpRefParts | { error: string } {
  if (!ref.startsWith('op://')) return { error: 'does not start with op://' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(ref)) return { error: 'contains control characters' };
  const [path = '', query, ...extra] = ref.slice('op://'.length).split('?');
  if (extra.length > 0) return { error: 'has more than one "?"' };
  if (query !== undefined && !/^[A-Za-z0-9_-]+=[^=&]+$/.test(query)) return { error: `has an invalid query "?${query}"` };
  const segments = path.split('/');
  if (segments.length < 3 || segments.length > 4) {
    return { error: `has ${segments.length} path segment${segments.length === 1 ? '' : 's'}, expected 3 or 4` };
  }
  if (segments.some((s) => s.trim() === '')) return { error: 'has an empty path segment' };
  const [vault = '', item = '', a = '', b] = segments;
  return b === undefined
    ? { vault, item, section: undefined, field: a, query }
    : { vault, item, section: a, field: b, query };
}

export type OpFailureKind =
  | 'network'
  | 'signed-out'
  | 'token-malformed'
  | 'token-rejected'
  | 'not-found'
  | 'ambiguous'
  | 'permission'
  | 'rate-limit'
  | 'invalid-ref'
  | 'other';

export interface OpFailure {
  kind: OpFailureKind;
  reason: string;
  hint: string;
}

/**
 * Map an `op` stderr message or an SDK error message to a reason and an actionable hint.
 * Order matters: the SDK reports network failures as "authentication error: request library
 * compatibility issue … error sending request", so network is tested before auth.
 */
export function classifyOpError(message: string, ref: string, via: 'sdk' | 'cli', signInAddress?: string): OpFailure {
  const m = message.replace(/\s+/g, ' ').trim();
  const short = m.length > 240 ? `${m.slice(0, 237)}...` : m;
  const checkRef = `check the reference with \`op read '${ref.replace(/'/g, `'\\''`)}'\``;
  const where = signInAddress ?? '1password.com';
  const rules: Array<[RegExp, () => OpFailure]> = [
    [
      /invalid service account token|service account token (had invalid format|base64 decoding failed|deserialization failed|is invalid)|'ops_' was expected/i,
      () => ({
        kind: 'token-malformed',
        reason: `OP_SERVICE_ACCOUNT_TOKEN is not a valid service-account token (${short})`,
        hint: 'copy the token again from 1Password (it starts with ops_), or unset OP_SERVICE_ACCOUNT_TOKEN to use the op CLI',
      }),
    ],
    [
      /request library compatibility issue|error sending request|connection refused|network( is)? unreachable|host unreachable|dns error|failed to lookup address|EAI_AGAIN|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|couldn't connect|could not connect|no such host|dial tcp|i\/o timeout/i,
      () => ({
        kind: 'network',
        reason: `cannot reach 1Password at ${where} (network unreachable or blocked; ${via === 'sdk' ? 'SDK' : 'op'} said: ${short})`,
        hint: `check network/proxy access to https://${where}`,
      }),
    ],
    [
      /rate limit|too many requests/i,
      () => ({
        kind: 'rate-limit',
        reason: `1Password rate limit exceeded (${short})`,
        hint: 'wait and retry; see `op service-account ratelimit`. cc-otel caches the key, so this should be rare',
      }),
    ],
    [
      /not currently signed in|not signed in|account is not signed in|no accounts? (configured|found)|sign ?in required|authorization prompt dismissed|authorization timeout|session expired|connecting to desktop app|unlock the app/i,
      () =>
        via === 'sdk'
          ? {
              kind: 'token-rejected',
              reason: `1Password rejected the service-account token (${short})`,
              hint: 'the token may be expired or revoked: create a new one, or unset OP_SERVICE_ACCOUNT_TOKEN to use the op CLI',
            }
          : { kind: 'signed-out', reason: `not signed in to 1Password (${short})`, hint: SIGN_IN_HINT },
    ],
    [
      /bad service account token|authentication error|you are not authenticated|unauthorized|\b401\b|invalid bearer token|token (was )?(revoked|expired)/i,
      () =>
        via === 'sdk'
          ? {
              kind: 'token-rejected',
              reason: `1Password rejected the service-account token (${short})`,
              hint: 'the token may be expired or revoked: create a new one, or unset OP_SERVICE_ACCOUNT_TOKEN to use the op CLI',
            }
          : { kind: 'signed-out', reason: `1Password authentication failed (${short})`, hint: SIGN_IN_HINT },
    ],
    [
      /more than one (vault|item|field|section)|multiple (vaults|items|fields) (match|found)|tooMany/i,
      () => ({
        kind: 'ambiguous',
        reason: `the 1Password reference is ambiguous (${short})`,
        hint: `use unique names or IDs in the reference; ${checkRef}`,
      }),
    ],
    [
      /right permissions|permission denied|forbidden|\b403\b|not allowed/i,
      () => ({
        kind: 'permission',
        reason: `no access to this 1Password item (${short})`,
        hint: via === 'sdk' ? 'grant the service account read access to the vault' : `check your access to the vault; ${checkRef}`,
      }),
    ],
    [
      /isn't an item|isn't a vault|isn't a field|isn't a section|no (vault|item|section|field) matched|field cannot be found|could not find|not found|doesn't exist|does not exist/i,
      () => ({
        kind: 'not-found',
        reason: `1Password reference not found (${short})`,
        hint:
          via === 'sdk'
            ? `${checkRef}; service accounts only see the vaults they were granted (never Personal/Private vaults)`
            : checkRef,
      }),
    ],
    [
      /secret reference|invalid format|invalid character/i,
      () => ({
        kind: 'invalid-ref',
        reason: `1Password cannot parse the reference (${short})`,
        hint: `use ${REF_FORMAT}; names with unsupported characters can be replaced by their IDs`,
      }),
    ],
  ];
  for (const [re, make] of rules) if (re.test(m)) return make();
  return {
    kind: 'other',
    reason: `1Password ${via === 'sdk' ? 'SDK' : 'op read'} failed: ${short || 'no error message'}`,
    hint: `run \`op read '${ref.replace(/'/g, `'\\''`)}'\` in a terminal to see the full error`,
  };
}

/** The non-secret sign-in address inside a service-account token, for messages. */
function tokenSignInAddress(token: string): string | undefined {
  try {
    const json = JSON.parse(Buffer.from(token.slice('ops_'.length), 'base64').toString('utf8')) as { signInAddress?: unknown };
    const addr = json.signInAddress;
    return typeof addr === 'string' && /^[A-Za-z0-9.:-]{1,253}$/.test(addr) ? addr : undefined;
  } catch {
    return undefined;
  }
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') {
    // The SDK's validators throw JSON strings: {"name":"…","message":"…"}.
    try {
      const parsed = JSON.parse(e) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      /* plain string */
    }
    return e;
  }
  return String(e);
}

function stripOneNewline(s: string): string {
  return s.replace(/\r?\n$/, '');
}

async function viaSdk(ref: string, token: string, ctx: SourceContext): Promise<SourceResult | 'sdk-missing'> {
  const signInAddress = tokenSignInAddress(token);
  const started = ctx.now();
  const MISSING = Symbol('sdk missing');
  try {
    // The import (WASM compile) is inside the race too: the promise settles on abort whatever phase it is in.
    const value = await raceDeadline(
      async () => {
        let sdk: typeof OnePasswordSdk;
        try {
          const mod = (await import('@1password/sdk')) as typeof OnePasswordSdk & { default?: typeof OnePasswordSdk };
          sdk = typeof mod.createClient === 'function' ? mod : (mod.default ?? mod);
        } catch (e) {
          ctx.log.debug(`1password: cannot load @1password/sdk: ${errorMessage(e)}`);
          return MISSING;
        }
        // Raced out during the import: do not start a sign-in nobody waits for.
        if (ctx.signal.aborted || ctx.now() - started >= ctx.timeoutMs) throw new Error('deadline passed');
        const client = await sdk.createClient({
          auth: token,
          integrationName: INTEGRATION_NAME,
          integrationVersion: INTEGRATION_VERSION,
        });
        return client.secrets.resolve(ref);
      },
      ctx.signal,
      ctx.timeoutMs,
    );
    if (value === MISSING) return 'sdk-missing';
    if (value === TIMED_OUT) {
      return {
        status: 'failed',
        reason: `1Password SDK did not answer within ${Math.min(ctx.timeoutMs, Math.round(ctx.now() - started))} ms`,
        hint: `check network/proxy access to https://${signInAddress ?? '1password.com'}`,
        timedOut: true,
      };
    }
    if (value === '') return { status: 'failed', reason: `the 1Password field ${ref} is empty`, hint: 'put the key in that field' };
    return { status: 'found', value, detail: `${ref} via 1Password SDK (service account)` };
  } catch (e) {
    const f = classifyOpError(errorMessage(e), ref, 'sdk', signInAddress);
    return { status: 'failed', reason: f.reason, hint: f.hint };
  }
}

async function viaCli(opPath: string, ref: string, ctx: SourceContext): Promise<SourceResult> {
  const r = await runCli(opPath, ['read', '--no-newline', ref], { env: ctx.env, timeoutMs: ctx.timeoutMs, signal: ctx.signal, platform: ctx.platform });
  if (r.timedOut || r.aborted) {
    return {
      status: 'failed',
      reason: `op read did not finish within ${Math.round(r.ms)} ms (limit ${ctx.timeoutMs} ms)`,
      hint: `op may be waiting for the 1Password app to approve access; ${SIGN_IN_HINT}`,
      timedOut: true,
    };
  }
  if (r.error) {
    return {
      status: 'failed',
      reason: `cannot run ${opPath}: ${r.error.code ?? r.error.message}`,
      hint: 'reinstall the 1Password CLI or fix PATH',
    };
  }
  if (r.overflow) return { status: 'failed', reason: 'op read printed more than 1 MiB', hint: `check the reference points at the key field: ${ref}` };
  if (r.exitCode !== 0) {
    const msg = stderrReason(r.stderr) ?? `op exited with ${r.exitCode === null ? `signal ${r.signal}` : `code ${r.exitCode}`}`;
    const f = classifyOpError(msg, ref, 'cli');
    return { status: 'failed', reason: f.reason, hint: f.hint };
  }
  const value = stripOneNewline(r.stdout);
  if (value === '') return { status: 'failed', reason: `the 1Password field ${ref} is empty`, hint: 'put the key in that field' };
  return { status: 'found', value, detail: `${ref} via op CLI` };
}

export const fromOnePassword: KeySource = {
  name: '1password',
  cacheable: true,
  timeoutMs: 5000,
  handles: (ref: KeyRef) => ref.kind === 'op',
  async resolve(ref: KeyRef, ctx: SourceContext): Promise<SourceResult> {
    if (ref.kind !== 'op') return { status: 'skipped', reason: `not a 1Password reference: ${ref.raw}` };
    const parsed = parseOpRef(ref.ref);
    if ('error' in parsed) {
      return {
        status: 'failed',
        reason: `invalid 1Password reference "${ref.ref}": ${parsed.error}`,
        hint: `use ${REF_FORMAT}, e.g. op://Engineering/otel-ingest/credential`,
      };
    }
    if (ctx.signal.aborted) return { status: 'failed', reason: 'deadline passed before 1Password was tried', hint: 'raise the key timeout', timedOut: true };

    const token = ctx.env.OP_SERVICE_ACCOUNT_TOKEN?.trim();
    const opPath = findOnPath('op', ctx.env, ctx.platform);
    if (token) {
      if (!token.startsWith('ops_')) {
        return {
          status: 'failed',
          reason: 'OP_SERVICE_ACCOUNT_TOKEN is not a valid service-account token (it does not start with ops_)',
          hint: 'copy the token again from 1Password (it starts with ops_), or unset OP_SERVICE_ACCOUNT_TOKEN to use the op CLI',
        };
      }
      const r = await viaSdk(ref.ref, token, ctx);
      if (r !== 'sdk-missing') return r;
      // The op CLI also honours OP_SERVICE_ACCOUNT_TOKEN (≥ 2.18), so it is a faithful stand-in.
      if (opPath) return viaCli(opPath, ref.ref, ctx);
      return {
        status: 'failed',
        reason: 'the @1password/sdk package could not be loaded',
        hint: 'reinstall cc-otel (from its clone: `npm install -g .`), or install the 1Password CLI (`op`)',
      };
    }
    if (opPath) return viaCli(opPath, ref.ref, ctx);
    return { status: 'skipped', reason: 'no OP_SERVICE_ACCOUNT_TOKEN and no op CLI on PATH', hint: 'install the 1Password CLI (`op`) and sign in, or set OP_SERVICE_ACCOUNT_TOKEN' };
  },
};
