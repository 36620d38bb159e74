/**
 * Values that must not appear in messages. Settings `env` written by cc-otel is non-secret, but other
 * tools and users put anything there (a static OTEL_EXPORTER_OTLP_HEADERS with a token, an API key),
 * and warnings and conflicts quote the values they found.
 */
import { SECRET_OUTPUTS } from '../otel/vars.js';

const SENSITIVE_NAME = /HEADERS|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|AUTH|_KEY$/i;

export function isSensitiveKey(key: string): boolean {
  return SECRET_OUTPUTS.has(key) || SENSITIVE_NAME.test(key);
}

/** `value` as JSON text, or "(redacted)" for a sensitive key. */
export function shownValue(key: string, jsonText: string): string {
  return isSensitiveKey(key) ? '(redacted)' : jsonText;
}
