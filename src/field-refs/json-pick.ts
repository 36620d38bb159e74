/**
 * `"json": "otlp.grpc"` — one field of a JSON value fetched from a secret store. Problems never
 * show the value (it came from a secret store); they may name the fields that are there.
 */
export type Pick = { ok: true; value: string } | { ok: false; problem: string; hint: string };

const fieldList = (o: object): string => {
  const keys = Object.keys(o);
  if (!keys.length) return 'it has no fields';
  const shown = keys.slice(0, 10).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 39)}…` : k).replace(/[\u0000-\u001f\u007f]/g, '?'));
  return `its fields: ${shown.join(', ')}${keys.length > 10 ? `, … (${keys.length} in all)` : ''}`;
};

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v);

export function pickJson(text: string, path: string): Pick {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return {
      ok: false,
      problem: `the value is not JSON (${text.length} chars), so it has no field "${path}"`,
      hint: `store it as JSON, e.g. {"${path.split('.')[0]}": "…"}, or drop "json" to use the value as it is`,
    };
  }
  const parts = path.split('.');
  let at = '';
  for (const p of parts) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return { ok: false, problem: `${at ? `"${at}"` : 'the JSON value'} is ${kindOf(v)}, not an object with a field "${p}"`, hint: `check "json": "${path}" against the secret's JSON` };
    }
    if (!Object.hasOwn(v, p)) {
      return { ok: false, problem: `the JSON has no field "${at ? `${at}.` : ''}${p}" (${at ? `"${at}": ` : ''}${fieldList(v)})`, hint: `fix "json": "${path}", or add the field to the secret` };
    }
    v = (v as Record<string, unknown>)[p];
    at = at ? `${at}.${p}` : p;
  }
  if (typeof v === 'string') return { ok: true, value: v };
  if (typeof v === 'number' || typeof v === 'boolean') return { ok: true, value: String(v) };
  return { ok: false, problem: `field "${path}" is ${kindOf(v)}, not a string`, hint: `point "json" at a string field${typeof v === 'object' && v !== null && !Array.isArray(v) ? ` (${fieldList(v)})` : ''}` };
}
