// Records outbound connection attempts made by this process, so a test can assert that nothing
// left 127.0.0.1 — no oauth2.googleapis.com, no metadata server, no 1password.com.
//  - 'net.client.socket': every net.connect() (grpc-js/http2 plaintext, undici plain http);
//  - 'undici:client:beforeConnect': every fetch() connection, including TLS ones, which go
//    through tls.connect and never publish on the net channel (the 1Password SDK uses fetch).
import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

export interface NetGuard {
  /** "ip:port" for connection attempts, "lookup host" for name resolutions */
  readonly events: string[];
  /** events that are not loopback */
  nonLoopback(): string[];
  stop(): void;
}

export function guardNetwork(): NetGuard {
  const events: string[] = [];
  const onSocket = (msg: unknown) => {
    const socket = (msg as { socket: Socket }).socket;
    socket.on('connectionAttempt', (ip: string, port: number) => events.push(`${ip}:${port}`));
    socket.on('lookup', (_err: Error | null, _addr: string, _fam: number, host: string) => events.push(`lookup ${host}`));
  };
  const onUndici = (msg: unknown) => {
    const p = (msg as { connectParams: { hostname: string; port: string | number; protocol: string } }).connectParams;
    events.push(`${p.hostname}:${p.port || (p.protocol === 'https:' ? 443 : 80)}`);
  };
  dc.subscribe('net.client.socket', onSocket);
  dc.subscribe('undici:client:beforeConnect', onUndici);
  return {
    events,
    nonLoopback: () => events.filter((e) => !/^(127\.0\.0\.1|::1|\[::1\]):\d+$/.test(e) && e !== 'lookup localhost'),
    stop: () => {
      dc.unsubscribe('net.client.socket', onSocket);
      dc.unsubscribe('undici:client:beforeConnect', onUndici);
    },
  };
}
