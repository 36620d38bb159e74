/**
 * How the page writes numbers (and the e2e test reads them back): fixed, locale-independent forms.
 */
export const usd = (x: number): string => `$${x.toFixed(x !== 0 && Math.abs(x) < 0.01 ? 4 : 2)}`;
export const int = (x: number): string => Math.round(x).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
export const duration = (seconds: number): string => {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
};
export const percent = (num: number, den: number): string => (den > 0 ? `${((100 * num) / den).toFixed(1)}%` : '—');
