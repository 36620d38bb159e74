/**
 * OpenTelemetry metric and attribute names → Prometheus names, the way the OpenTelemetry
 * Collector's Prometheus exporter (and Grafana Cloud's / Mimir's OTLP gateway) name them, so one
 * dashboard and one set of rules work on every backend:
 *
 *   claude_code.cost.usage   (USD)    counter → claude_code_cost_usage_USD_total
 *   claude_code.token.usage  (tokens) counter → claude_code_token_usage_tokens_total
 *   claude_code.active_time.total (s) counter → claude_code_active_time_seconds_total
 *   claude_code.session.count ('')    counter → claude_code_session_count_total
 *   cc.sessions.active       ({session}) gauge → cc_sessions_active
 *
 * The rules (opentelemetry-collector-contrib pkg/translator/prometheus, "normalized" names):
 *  - every character outside [a-zA-Z0-9_] becomes `_`, runs of `_` collapse, a leading digit gets `_`;
 *  - the unit is appended, translated (s → seconds, By → bytes, …; `x/y` → `x_per_y`), unless it is
 *    empty, an annotation (`{tokens}`), `1` (dimensionless: `_ratio` on gauges only) or already a
 *    word of the name (`count` in `…session_count`);
 *  - a monotonic sum (a Prometheus counter) ends in `_total` (its own `total` word moves there) — added by the serializer
 *    (@opentelemetry/exporter-prometheus's PrometheusSerializer, which adds no unit: hence this file).
 */

const UNITS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

const PER_UNITS: Readonly<Record<string, string>> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

function words(s: string): string[] {
  return s.split(/[^a-zA-Z0-9]+/).filter((w) => w !== '');
}

function unitWords(unit: string, gauge: boolean): string[] {
  const u = unit.replace(/\{[^}]*\}/g, '').trim();
  if (u === '1') return gauge ? ['ratio'] : [];
  if (u === '') return [];
  const [main = '', per = ''] = u.split('/', 2);
  const out = words(UNITS[main] ?? main);
  if (per !== '') out.push('per', ...words(PER_UNITS[per] ?? per));
  return out;
}

/**
 * How a metric is exposed: a monotonic sum is a `counter`; a gauge a `gauge`; a non-monotonic sum
 * an `updown` (a Prometheus gauge too, but no `_ratio` for unit `1`, as the collector does).
 */
export type PromKind = 'counter' | 'gauge' | 'updown';

/**
 * The Prometheus name of a metric, without the `_total` of counters (the serializer adds it; a
 * counter's own `total` word moves behind the unit: active_time.total (s) → active_time_seconds_total).
 */
export function prometheusMetricName(name: string, unit: string, kind: PromKind): string {
  let nameWords = words(name);
  if (kind === 'counter') nameWords = nameWords.filter((w) => w !== 'total');
  const have = new Set(nameWords);
  const tokens = [...nameWords];
  for (const w of unitWords(unit, kind === 'gauge')) {
    if (!have.has(w)) tokens.push(w);
  }
  let out = tokens.join('_');
  if (out === '') return '';
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

/** The Prometheus label name of an attribute key: `session.id` → `session_id`. */
export function prometheusLabelName(key: string): string {
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  if (out === '' || out === '_') return '';
  return out;
}
