/** Replace every secret in `text` — longest first, each also in its JSON-escaped form — with `mask`. */
export function redact(text: string, secrets: readonly string[], mask = '<redacted>'): string {
  let out = text;
  for (const s of [...new Set(secrets)].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1)])) if (form && out.includes(form)) out = out.split(form).join(mask);
  }
  return out;
}
