// A local Google Secret Manager for tests: a real grpc-js server implementing
// google.cloud.secretmanager.v1.SecretManagerService/AccessSecretVersion from the protos shipped
// inside @google-cloud/secret-manager (build/protos/protos.json), on 127.0.0.1 with plaintext
// gRPC — what the source reaches through CC_OTEL_GCP_SM_ENDPOINT. Plus a fake `gcloud` script.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from './tmp.js';

/** What the server does for a resource name. */
export type FakeReply =
  | { value: string | Buffer; servedVersion?: string }
  | { code: grpc.status; details: string }
  | 'hang';

export interface RecordedCall {
  name: string;
  /** the `authorization` metadata values (the source sends none over plaintext) */
  authorization: string[];
  /** the x-goog-request-params routing header set by the client library */
  requestParams: string[];
}

export interface FakeSecretManager {
  /** "127.0.0.1:<port>", for CC_OTEL_GCP_SM_ENDPOINT */
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  /** decide the reply for the next calls (default: NOT_FOUND for everything) */
  reply(fn: (name: string) => FakeReply): void;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

function loadService(): grpc.ServiceDefinition {
  const json = require('@google-cloud/secret-manager/build/protos/protos.json') as Parameters<typeof protoLoader.fromJSON>[0];
  const def = protoLoader.fromJSON(json, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    google: { cloud: { secretmanager: { v1: { SecretManagerService: grpc.ServiceClientConstructor } } } };
  };
  return pkg.google.cloud.secretmanager.v1.SecretManagerService.service;
}

export async function startFakeSecretManager(): Promise<FakeSecretManager> {
  const server = new grpc.Server();
  const calls: RecordedCall[] = [];
  const pending: Array<grpc.ServerUnaryCall<unknown, unknown>> = [];
  let decide: (name: string) => FakeReply = () => ({ code: grpc.status.NOT_FOUND, details: 'not configured in the fake' });

  server.addService(loadService(), {
    accessSecretVersion(call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const name = call.request.name;
      calls.push({
        name,
        authorization: call.metadata.get('authorization').map(String),
        requestParams: call.metadata.get('x-goog-request-params').map(String),
      });
      const r = decide(name);
      if (r === 'hang') {
        pending.push(call as grpc.ServerUnaryCall<unknown, unknown>);
        return; // never answer: the client's deadline must end it
      }
      if ('code' in r) {
        callback({ code: r.code, details: r.details, metadata: new grpc.Metadata() });
        return;
      }
      const served = r.servedVersion ? name.replace(/[^/]+$/, r.servedVersion) : name;
      callback(null, { name: served, payload: { data: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value, 'utf8') } });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    calls,
    reply(fn) {
      decide = fn;
    },
    async close() {
      server.forceShutdown();
      pending.length = 0;
    },
  };
}

/** A fake `gcloud` (POSIX sh) on a private PATH dir; behaviour from FAKE_GCLOUD_MODE. */
export interface FakeGcloud {
  readonly binDir: string;
  env(mode: 'success' | 'not-found' | 'permission-denied' | 'no-account' | 'hang', extra?: Record<string, string>): Record<string, string>;
  /** argv of the last run */
  argv(): string[];
  /** environment variables the last run saw (selected) */
  envSeen(): string;
  cleanup(): void;
}

const GCLOUD_SCRIPT = `#!/bin/sh
PATH=/usr/bin:/bin
export PATH
: > "$FAKE_GCLOUD_LOG/argv"
for a in "$@"; do printf '%s\\0' "$a" >> "$FAKE_GCLOUD_LOG/argv"; done
printf 'CLOUDSDK_CORE_DISABLE_PROMPTS=%s' "\${CLOUDSDK_CORE_DISABLE_PROMPTS-unset}" > "$FAKE_GCLOUD_LOG/env"
case "$FAKE_GCLOUD_MODE" in
  success) printf '%s\\n' "\${FAKE_GCLOUD_SECRET-sk-fake-gcloud-secret}" ;;
  not-found) echo 'ERROR: (gcloud.secrets.versions.access) NOT_FOUND: Secret [projects/123456789/secrets/cc-otel-key] not found or has no versions.' >&2; exit 1 ;;
  permission-denied) echo "ERROR: (gcloud.secrets.versions.access) PERMISSION_DENIED: Permission 'secretmanager.versions.access' denied for resource 'projects/my-proj/secrets/cc-otel-key/versions/latest' (or it may not exist). This command is authenticated as dev@example.com which is the active account specified by the [core/account] property." >&2; exit 1 ;;
  no-account) printf '%s\\n' 'ERROR: (gcloud.secrets.versions.access) You do not currently have an active account selected.' 'Please run:' '' '  $ gcloud auth login' '' 'to obtain new credentials.' >&2; exit 1 ;;
  hang) sleep 30 & wait ;;
esac
`;

export function installFakeGcloud(): FakeGcloud {
  const tmp: TempDir = makeTempDir('cc-otel-fake-gcloud');
  const binDir = join(tmp.path, 'bin');
  const logDir = join(tmp.path, 'log');
  mkdirSync(binDir);
  mkdirSync(logDir);
  const file = join(binDir, 'gcloud');
  writeFileSync(file, GCLOUD_SCRIPT);
  chmodSync(file, 0o755);
  return {
    binDir,
    env: (mode, extra = {}) => ({ PATH: binDir, FAKE_GCLOUD_MODE: mode, FAKE_GCLOUD_LOG: logDir, ...extra }),
    argv: () => readFileSync(join(logDir, 'argv'), 'utf8').split('\0').slice(0, -1),
    envSeen: () => readFileSync(join(logDir, 'env'), 'utf8'),
    cleanup: () => tmp.cleanup(),
  };
}
