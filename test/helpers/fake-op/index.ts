// A fake `op` (1Password CLI) on a private PATH directory. The script (./op, POSIX sh) picks its
// behaviour from FAKE_OP_MODE and records what it saw (argv, stdin, env) under FAKE_OP_LOG, so
// tests exercise the real spawn path of src/secrets/sources/onepassword.ts end to end.
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, type TempDir } from '../tmp.js';

export type FakeOpMode = 'success' | 'signed-out' | 'not-found' | 'no-error-tag' | 'hang';

export interface FakeOp {
  /** directory holding only the `op` script: use it as PATH */
  readonly binDir: string;
  /** where the script records argv/stdin/env */
  readonly logDir: string;
  /** env for a SourceContext: PATH = binDir, plus the mode and log variables */
  env(mode: FakeOpMode, extra?: Record<string, string>): Record<string, string>;
  /** the argv the last run received */
  argv(): string[];
  /** `<fd 0 target>|<bytes read from stdin>` from the last run */
  stdin(): string;
  envSeen(): Record<string, string>;
  grandchildPid(): number | undefined;
  cleanup(): void;
}

const SCRIPT = fileURLToPath(new URL('./op', import.meta.url));

export function installFakeOp(): FakeOp {
  const tmp: TempDir = makeTempDir('cc-otel-fake-op');
  const binDir = join(tmp.path, 'bin');
  const logDir = join(tmp.path, 'log');
  mkdirSync(binDir);
  mkdirSync(logDir);
  const op = join(binDir, 'op');
  copyFileSync(SCRIPT, op);
  chmodSync(op, 0o755);
  const read = (name: string) => readFileSync(join(logDir, name), 'utf8');
  return {
    binDir,
    logDir,
    env: (mode, extra = {}) => ({ PATH: binDir, FAKE_OP_MODE: mode, FAKE_OP_LOG: logDir, ...extra }),
    argv: () => read('argv').split('\0').slice(0, -1),
    stdin: () => read('stdin'),
    envSeen: () => Object.fromEntries(read('env').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
    grandchildPid: () => (existsSync(join(logDir, 'grandchild.pid')) ? Number(read('grandchild.pid').trim()) : undefined),
    cleanup: () => tmp.cleanup(),
  };
}

/**
 * A well-formed but fabricated 1Password service-account token: `ops_` + base64(JSON) with the
 * fields the SDK core deserializes (ServiceAccountCredentials: signInAddress, userAuth, email,
 * srpX, muk, secretKey, throttleSecret, deviceUuid). Everything is random; it authenticates
 * nowhere. `signInAddress` decides where the SDK connects (https://<signInAddress>), so tests
 * point it at a 127.0.0.1 port.
 */
export function fakeServiceAccountToken(signInAddress: string): string {
  const b64u = (n: number) => randomBytes(n).toString('base64url');
  const creds = {
    signInAddress,
    userAuth: { method: 'SRPg-4096', alg: 'PBES2g-HS256', iterations: 650000, salt: b64u(16) },
    email: 'cc-otel-test@1passwordserviceaccounts.com',
    srpX: randomBytes(32).toString('hex'),
    muk: { alg: 'A256GCM', ext: true, k: b64u(32), key_ops: ['decrypt', 'encrypt'], kty: 'oct', kid: 'mp' },
    // Secret Keys use 1Password's own alphabet (no 0/O/1/I); a digit-0 key fails deserialization.
    secretKey: 'A3-ABCDEF-GHJKLM-NPQRS-TVWXY-Z2345-6789A',
    throttleSecret: { seed: randomBytes(32).toString('hex'), uuid: randomUUID() },
    deviceUuid: randomBytes(13).toString('hex'),
  };
  return `ops_${Buffer.from(JSON.stringify(creds)).toString('base64url')}`;
}
