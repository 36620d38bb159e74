/**
 * Servers sometimes echo the credential they reject ("invalid key sk-…"). Every message the probe
 * and the read-back modules return passes through here, so no header value can reach output.
 */

import { redact as redactWith } from '../secrets/redact.js';

/** The secret-looking pieces of header values: each whole value and each whitespace-separated word ≥ 6 chars. */
export function secretsOf(headers: Record<string, string> | undefined): string[] {
  const out = new Set<string>();
  for (const v of Object.values(headers ?? {})) {
    for (const piece of [v.trim(), ...v.split(/\s+/)]) if (piece.length >= 6) out.add(piece);
  }
  // longest first, so a whole value is replaced before its parts
  return [...out].sort((a, b) => b.length - a.length);
}

/** Server messages with every secret piece as `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  return redactWith(text, secrets, '***');
}
