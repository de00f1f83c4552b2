/** Number formatting for the report's tables. */
export const ms = (value: number | undefined | null): string =>
  value === undefined || value === null || Number.isNaN(value)
    ? '—'
    : value >= 100
      ? `${Math.round(value).toLocaleString('en-US')} ms`
      : `${value.toFixed(1)} ms`;

export const count = (value: number): string => Math.round(value).toLocaleString('en-US');

export const rate = (value: number): string =>
  value >= 10_000
    ? `${(value / 1_000).toFixed(0)}k`
    : value >= 1_000
      ? `${(value / 1_000).toFixed(1)}k`
      : value.toFixed(0);

export const ratio = (value: number): string =>
  !Number.isFinite(value) ? '—' : value >= 10 ? `${value.toFixed(0)}×` : `${value.toFixed(2)}×`;

export const mb = (value: number): string => `${value.toFixed(0)} MB`;

/** CPU seconds (per million tokens, in the tables). */
export const seconds = (value: number | undefined | null): string =>
  value === undefined || value === null || !Number.isFinite(value)
    ? '—'
    : value >= 100
      ? `${Math.round(value).toLocaleString('en-US')} s`
      : `${value.toFixed(1)} s`;

export const percent = (value: number): string => `${value.toFixed(0)}%`;

export function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const separator = header.map((_, index) => ((align?.[index] ?? 'r') === 'l' ? '---' : '---:'));
  return [header, separator, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}
