/**
 * The Google Secret Manager key source (`gcp-sm://projects/P/secrets/S[/versions/V]`, V = latest).
 *
 *  1. `CC_OTEL_GCP_SM_ENDPOINT=host:port` (emulators, tests) → the SDK over a plaintext gRPC
 *     channel. No call credentials: grpc-js cannot put them on an insecure channel, and an
 *     emulator does not check them, so no ADC is needed or read for the call itself.
 *  2. Application Default Credentials plausibly present → the SDK over gRPC:
 *       - GOOGLE_APPLICATION_CREDENTIALS, else the well-known ADC file
 *         (`$CLOUDSDK_CONFIG` or `~/.config/gcloud` / `%APPDATA%\gcloud`, `application_default_credentials.json`):
 *         we read the file ourselves (from ctx.env/ctx.homeDir) and pass it as `credentials`, so
 *         google-auth-library never runs its own ADC discovery. That discovery is what probes the
 *         GCE metadata server (3 s when tarpitted) — passing the credentials gives the
 *         `METADATA_SERVER_DETECTION=none` behaviour without touching process.env.
 *       - `CC_OTEL_GCP_ON_GCE=1` (GCE/GKE/Cloud Run/Workstations): normal ADC discovery, which
 *         finds the metadata server.
 *  3. else `gcloud` on PATH → `gcloud secrets versions access V --secret=S --project=P`.
 *  4. else skipped.
 *
 * SDK guards (../../../../shared/docs/secrets-and-startup.md §2.6, §3.3): `projectId` (no
 * project discovery, which spawns gcloud), `fallback: false` (only gRPC honours the deadline),
 * per call `{ timeout, retry: null }` (no retries, a real deadline), `universeDomain` set (else gax
 * asks the auth client for it, which runs ADC discovery and probes the metadata server even on an
 * insecure channel — measured), and an outer race against ctx.signal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { KeyRef, KeySource, SourceContext, SourceResult } from '../types.js';
import { TIMED_OUT, findOnPath, raceDeadline, runCli, stderrReason } from './run-cli.js';

type ClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

const REF_FORMAT = 'gcp-sm://projects/<project>/secrets/<secret>[/versions/<version>]';
const ADC_LOGIN_HINT = 'run `gcloud auth application-default login`';

// Resource-name grammars (cloud.google.com/resource-manager/docs/creating-managing-projects,
// cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets). Lenient on purpose,
// but restricted to characters that need no quoting anywhere (argv, cmd.exe, resource names).
const PROJECT_RE = /^(?:[a-z0-9.-]+:)?[a-z0-9][a-z0-9-]{0,62}$/i;
const SECRET_RE = /^[A-Za-z0-9_-]{1,255}$/;
const VERSION_RE = /^(?:latest|[0-9]{1,19}|[A-Za-z0-9_-]{1,63})$/;

export interface GcpSmRef {
  project: string;
  secret: string;
  version: string;
}

/** Validate the parts of a `gcp-sm://` reference (cheap; before anything is imported). */
export function validateGcpSmRef(ref: GcpSmRef): string | undefined {
  if (!PROJECT_RE.test(ref.project)) return `project "${ref.project}" is not a valid project ID or number`;
  if (!SECRET_RE.test(ref.secret)) return `secret "${ref.secret}" is not a valid secret ID (letters, digits, - and _)`;
  if (!VERSION_RE.test(ref.version)) return `version "${ref.version}" is not "latest", a number or an alias`;
  return undefined;
}

export function resourceName(ref: GcpSmRef): string {
  return `projects/${ref.project}/secrets/${ref.secret}/versions/${ref.version}`;
}

export type AdcPlan =
  | { kind: 'file'; path: string; from: 'GOOGLE_APPLICATION_CREDENTIALS' | 'well-known' }
  | { kind: 'missing-file'; path: string }
  | { kind: 'gce' }
  | { kind: 'none' };

/** Where Application Default Credentials would come from, decided from ctx alone. */
export function findAdc(ctx: Pick<SourceContext, 'env' | 'homeDir' | 'platform' | 'cwd'>): AdcPlan {
  const explicit = ctx.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (explicit) {
    const path = isAbsolute(explicit) ? explicit : resolvePath(ctx.cwd, explicit);
    return existsSync(path) ? { kind: 'file', path, from: 'GOOGLE_APPLICATION_CREDENTIALS' } : { kind: 'missing-file', path };
  }
  const configDir =
    ctx.env.CLOUDSDK_CONFIG ||
    (ctx.platform === 'win32'
      ? join(ctx.env.APPDATA || join(ctx.homeDir, 'AppData', 'Roaming'), 'gcloud')
      : join(ctx.homeDir, '.config', 'gcloud'));
  const wellKnown = join(configDir, 'application_default_credentials.json');
  if (existsSync(wellKnown)) return { kind: 'file', path: wellKnown, from: 'well-known' };
  if (ctx.env.CC_OTEL_GCP_ON_GCE === '1' || ctx.env.CC_OTEL_GCP_ON_GCE === 'true') return { kind: 'gce' };
  return { kind: 'none' };
}

/** `host:port` or `[v6]:port` → parts; undefined when malformed. */
export function parseEndpoint(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(s.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

export interface Principal {
  /** IAM member string, e.g. serviceAccount:x@p.iam.gserviceaccount.com */
  member: string | undefined;
  /** words for a message */
  label: string;
}

export function principalOf(creds: Record<string, unknown> | undefined, plan: AdcPlan): Principal {
  if (creds?.type === 'service_account' && typeof creds.client_email === 'string') {
    return { member: `serviceAccount:${creds.client_email}`, label: `serviceAccount:${creds.client_email}` };
  }
  if (creds?.type === 'impersonated_service_account' && typeof creds.service_account_impersonation_url === 'string') {
    const email = /serviceAccounts\/([^:/]+):generateAccessToken/.exec(creds.service_account_impersonation_url)?.[1];
    if (email) return { member: `serviceAccount:${email}`, label: `serviceAccount:${email}` };
  }
  if (creds?.type === 'authorized_user') return { member: undefined, label: 'your Google account (user:<you>, see `gcloud auth list`)' };
  if (plan.kind === 'gce') return { member: undefined, label: "the VM's / workload's service account" };
  return { member: undefined, label: 'the calling principal' };
}

export interface GcpFailure {
  reason: string;
  hint: string;
  timedOut?: boolean;
}

/** Map an SDK error (numeric gRPC code; no google-gax import for the enum) to a reason and a fix. */
export function classifyGcpError(e: unknown, ref: GcpSmRef, principal: Principal, timeoutMs: number): GcpFailure {
  const err = e as { code?: unknown; details?: unknown; message?: unknown };
  const message = String(err.details || err.message || e)
    .split('\n')[0]!
    .slice(0, 240);
  const { project, secret, version } = ref;
  const listVersions = `\`gcloud secrets versions list ${secret} --project=${project}\``;
  switch (err.code) {
    case 5:
      return {
        reason: `secret ${secret} (version ${version}) not found in project ${project} (${message})`,
        hint: `check the reference with ${listVersions}`,
      };
    case 7: {
      if (/has not been used|is disabled|SERVICE_DISABLED|API has not been/i.test(message)) {
        return {
          reason: `the Secret Manager API is not enabled in project ${project} (${message})`,
          hint: `enable it: \`gcloud services enable secretmanager.googleapis.com --project=${project}\``,
        };
      }
      const member = principal.member ?? '<principal>';
      return {
        reason: `permission denied on projects/${project}/secrets/${secret} for ${principal.label}`,
        hint:
          `grant roles/secretmanager.secretAccessor on secret ${secret} to ${principal.label}: ` +
          `\`gcloud secrets add-iam-policy-binding ${secret} --project=${project} --member=${member} --role=roles/secretmanager.secretAccessor\``,
      };
    }
    case 16:
      return { reason: `Google rejected the credentials (${message})`, hint: `${ADC_LOGIN_HINT} (or fix GOOGLE_APPLICATION_CREDENTIALS)` };
    case 9:
      return {
        reason: `version ${version} of secret ${secret} is disabled or destroyed (${message})`,
        hint: `enable a version or point the reference at an enabled one: ${listVersions}`,
      };
    case 4:
      return {
        reason: `Secret Manager did not answer within ${timeoutMs} ms`,
        hint: 'check network/proxy access to secretmanager.googleapis.com:443',
        timedOut: true,
      };
    case 14:
      return { reason: `Secret Manager is unreachable (${message})`, hint: 'check network/proxy access to secretmanager.googleapis.com:443' };
    case 3:
      return { reason: `Secret Manager rejected the resource name (${message})`, hint: `use ${REF_FORMAT}` };
    case 8:
      return { reason: `Secret Manager quota exceeded (${message})`, hint: 'retry later; cc-otel caches the key, so this should be rare' };
  }
  if (/Could not load the default credentials/i.test(message)) {
    return { reason: 'no Google credentials found', hint: `${ADC_LOGIN_HINT}, or set GOOGLE_APPLICATION_CREDENTIALS` };
  }
  if (/invalid_grant|invalid_rapt|reauth|has been expired or revoked|invalid_client/i.test(message)) {
    return { reason: `the Google credentials could not be refreshed (${message})`, hint: ADC_LOGIN_HINT };
  }
  if (typeof err.code === 'string' && /^E[A-Z_]+$/.test(err.code)) {
    return { reason: `cannot reach Google (${err.code}: ${message})`, hint: 'check network/proxy access to googleapis.com' };
  }
  return { reason: `Secret Manager request failed: ${message}`, hint: `try \`gcloud secrets versions access ${version} --secret=${secret} --project=${project}\`` };
}

/** Classify `gcloud` stderr ("ERROR: (gcloud.secrets.versions.access) NOT_FOUND: …"). */
export function classifyGcloudError(stderr: string, ref: GcpSmRef): GcpFailure {
  // gcloud writes "ERROR: (command) message" and may continue on the next lines ("Please run:
  // $ gcloud auth login …"); WARNING lines can come before it.
  const lines = stderr.split(/\r?\n/);
  const at = lines.findIndex((l) => l.startsWith('ERROR:'));
  const text = at >= 0 ? lines.slice(at).join(' ') : (stderrReason(stderr) ?? '');
  const flat = text.replace(/^ERROR:\s*(\([^)]*\)\s*)?/, '').replace(/\s+/g, ' ').trim();
  const msg = (flat.length > 300 ? `${flat.slice(0, 297)}...` : flat) || 'gcloud failed without a message';
  const { project, secret, version } = ref;
  const listVersions = `\`gcloud secrets versions list ${secret} --project=${project}\``;
  if (/NOT_FOUND|not found/i.test(msg)) return { reason: `secret ${secret} (version ${version}) not found in project ${project} (gcloud: ${msg})`, hint: `check the reference with ${listVersions}` };
  if (/PERMISSION_DENIED|permission/i.test(msg)) {
    return {
      reason: `permission denied on projects/${project}/secrets/${secret} (gcloud: ${msg})`,
      hint: `grant roles/secretmanager.secretAccessor on secret ${secret} to your account (\`gcloud auth list\` shows it)`,
    };
  }
  if (/FAILED_PRECONDITION|DISABLED|DESTROYED/i.test(msg)) return { reason: `version ${version} of secret ${secret} is disabled or destroyed (gcloud: ${msg})`, hint: `enable a version: ${listVersions}` };
  if (/active account|gcloud auth login|UNAUTHENTICATED|reauthenticat|refresh(ing)? (your current )?auth tokens|credentials/i.test(msg)) {
    return { reason: `gcloud is not signed in (${msg})`, hint: 'run `gcloud auth login`' };
  }
  return { reason: `gcloud failed: ${msg}`, hint: `run \`gcloud secrets versions access ${version} --secret=${secret} --project=${project}\` in a terminal` };
}

function nonEmpty(value: string, ref: GcpSmRef, detail: string): SourceResult {
  // Secrets created with `echo key | gcloud secrets create --data-file=-` end with a newline,
  // which would corrupt an auth header; keys never have meaningful surrounding whitespace.
  const v = value.trim();
  if (v === '') return { status: 'failed', reason: `${resourceName(ref)} is empty`, hint: 'add a version holding the key' };
  return { status: 'found', value: v, detail };
}

async function viaSdk(ref: GcpSmRef, ctx: SourceContext, mode: { endpoint?: { host: string; port: number }; adc?: AdcPlan }): Promise<SourceResult | 'sdk-missing'> {
  const started = ctx.now();
  let credentials: Record<string, unknown> | undefined;
  const plan = mode.adc ?? { kind: 'none' };
  if (plan.kind === 'file') {
    try {
      credentials = JSON.parse(readFileSync(plan.path, 'utf8')) as Record<string, unknown>;
      if (typeof credentials !== 'object' || credentials === null || typeof credentials.type !== 'string') throw new Error('no "type" field');
    } catch (e) {
      return {
        status: 'failed',
        reason: `cannot read Google credentials from ${plan.path}: ${(e as Error).message.split('\n')[0]}`,
        hint: plan.from === 'GOOGLE_APPLICATION_CREDENTIALS' ? 'point GOOGLE_APPLICATION_CREDENTIALS at a valid credentials JSON file' : ADC_LOGIN_HINT,
      };
    }
  }
  const principal = principalOf(credentials, plan);

  const options: ClientOptions = { projectId: ref.project, fallback: false, universeDomain: 'googleapis.com' };
  if (credentials) options.credentials = credentials;
  const name = resourceName(ref);
  const MISSING = Symbol('sdk missing');
  let client: SecretManagerServiceClient | undefined;
  try {
    // The import (~200 ms) is inside the race too: the promise settles on abort whatever phase it is in.
    const r = await raceDeadline(
      async () => {
        let Client: typeof SecretManagerServiceClient;
        try {
          ({ SecretManagerServiceClient: Client } = await import('@google-cloud/secret-manager'));
          if (mode.endpoint) {
            const { credentials: channelCredentials } = await import('@grpc/grpc-js');
            Object.assign(options, {
              servicePath: mode.endpoint.host,
              apiEndpoint: mode.endpoint.host,
              port: mode.endpoint.port,
              sslCreds: channelCredentials.createInsecure(),
              // A local emulator must not be reached through http(s)_proxy.
              'grpc.enable_http_proxy': 0,
            });
          }
        } catch (e) {
          ctx.log.debug(`gcp-secret-manager: cannot load the SDK: ${(e as Error).message}`);
          return MISSING;
        }
        // Raced out during the import: do not start a request nobody waits for.
        if (ctx.signal.aborted || ctx.now() - started >= ctx.timeoutMs) throw new Error('deadline passed');
        client = new Client(options);
        const remaining = Math.max(1, ctx.timeoutMs - (ctx.now() - started));
        const [resp] = await client.accessSecretVersion({ name }, { timeout: remaining, retry: null });
        return resp;
      },
      ctx.signal,
      ctx.timeoutMs,
    );
    if (r === MISSING) return 'sdk-missing';
    if (r === TIMED_OUT) {
      return { status: 'failed', reason: `Secret Manager did not answer within ${Math.min(ctx.timeoutMs, Math.round(ctx.now() - started))} ms`, hint: 'check network/proxy access to secretmanager.googleapis.com:443', timedOut: true };
    }
    const data = r.payload?.data;
    const value = data == null ? '' : typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data).toString('utf8');
    const served = r.name && r.name !== name ? ` (${r.name.split('/').slice(-2).join(' ')})` : '';
    return nonEmpty(value, ref, `${name}${served} via Secret Manager API${mode.endpoint ? ` at ${mode.endpoint.host}:${mode.endpoint.port}` : ''}`);
  } catch (e) {
    const f = classifyGcpError(e, ref, principal, ctx.timeoutMs);
    return { status: 'failed', reason: f.reason, hint: f.hint, ...(f.timedOut ? { timedOut: true } : {}) };
  } finally {
    // Cancels anything still in flight (after an abort) and releases the channel.
    void client?.close().catch(() => {});
  }
}

async function viaGcloud(gcloudPath: string, ref: GcpSmRef, ctx: SourceContext): Promise<SourceResult> {
  const args = ['secrets', 'versions', 'access', ref.version, `--secret=${ref.secret}`, `--project=${ref.project}`, '--quiet'];
  const r = await runCli(gcloudPath, args, {
    env: { ...ctx.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    platform: ctx.platform,
  });
  if (r.timedOut || r.aborted) {
    return {
      status: 'failed',
      reason: `gcloud did not finish within ${Math.round(r.ms)} ms (limit ${ctx.timeoutMs} ms)`,
      hint: `check network access to Google, or ${ADC_LOGIN_HINT} so the faster SDK path is used`,
      timedOut: true,
    };
  }
  if (r.error) return { status: 'failed', reason: `cannot run ${gcloudPath}: ${r.error.code ?? r.error.message}`, hint: 'reinstall the Google Cloud CLI or fix PATH' };
  if (r.overflow) return { status: 'failed', reason: 'gcloud printed more than 1 MiB', hint: `check ${resourceName(ref)} holds just the key` };
  if (r.exitCode !== 0) {
    const f = classifyGcloudError(r.stderr, ref);
    return { status: 'failed', reason: f.reason, hint: f.hint };
  }
  return nonEmpty(r.stdout, ref, `${resourceName(ref)} via gcloud CLI`);
}

export const fromGcpSecretManager: KeySource = {
  name: 'gcp-secret-manager',
  cacheable: true,
  timeoutMs: 4000,
  handles: (ref: KeyRef) => ref.kind === 'gcp-sm',
  async resolve(keyRef: KeyRef, ctx: SourceContext): Promise<SourceResult> {
    if (keyRef.kind !== 'gcp-sm') return { status: 'skipped', reason: `not a Secret Manager reference: ${keyRef.raw}` };
    const ref: GcpSmRef = { project: keyRef.project, secret: keyRef.secret, version: keyRef.version || 'latest' };
    const invalid = validateGcpSmRef(ref);
    if (invalid) return { status: 'failed', reason: `invalid Secret Manager reference "${keyRef.raw}": ${invalid}`, hint: `use ${REF_FORMAT}` };
    if (ctx.signal.aborted) return { status: 'failed', reason: 'deadline passed before Secret Manager was tried', hint: 'raise the key timeout', timedOut: true };

    const endpointVar = ctx.env.CC_OTEL_GCP_SM_ENDPOINT?.trim();
    if (endpointVar) {
      const endpoint = parseEndpoint(endpointVar);
      if (!endpoint) return { status: 'failed', reason: `CC_OTEL_GCP_SM_ENDPOINT="${endpointVar}" is not host:port`, hint: 'e.g. CC_OTEL_GCP_SM_ENDPOINT=127.0.0.1:9090 (plaintext gRPC, for emulators)' };
      const r = await viaSdk(ref, ctx, { endpoint });
      return r === 'sdk-missing' ? sdkMissing() : r;
    }

    const adc = findAdc(ctx);
    if (adc.kind === 'missing-file') {
      return { status: 'failed', reason: `GOOGLE_APPLICATION_CREDENTIALS points at ${adc.path}, which does not exist`, hint: `fix or unset GOOGLE_APPLICATION_CREDENTIALS, or ${ADC_LOGIN_HINT}` };
    }
    const gcloudPath = () => findOnPath('gcloud', ctx.env, ctx.platform);
    if (adc.kind === 'file' || adc.kind === 'gce') {
      const r = await viaSdk(ref, ctx, { adc });
      if (r !== 'sdk-missing') return r;
      const g = gcloudPath();
      return g ? viaGcloud(g, ref, ctx) : sdkMissing();
    }
    const g = gcloudPath();
    if (g) return viaGcloud(g, ref, ctx);
    return {
      status: 'skipped',
      reason: 'no Google Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or ~/.config/gcloud/application_default_credentials.json) and no gcloud CLI on PATH',
      hint: `${ADC_LOGIN_HINT} (install the Google Cloud CLI first), or set GOOGLE_APPLICATION_CREDENTIALS`,
    };
  },
};

function sdkMissing(): SourceResult {
  return {
    status: 'failed',
    reason: 'the @google-cloud/secret-manager package could not be loaded',
    hint: 'reinstall cc-otel (from its clone: `npm install -g .`), or install the Google Cloud CLI (`gcloud`)',
  };
}
