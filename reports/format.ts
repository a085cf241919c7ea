/**
 * Formatters shared by the HTML report, the charts and the CLI summary.
 * Pure and locale-independent: the same number always gives the same text, so
 * reports stay byte-identical across machines.
 */

/** Shown for a missing figure (a window with no successes, an empty run). */
export const MISSING = '—';

export type ValueUnit = 'us' | 'fraction' | 'perSec' | 'count';

/** Three significant figures, in fixed notation: 1.23, 12.3, 123, 1234. */
function threeSignificant(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude < 9.995) return value.toFixed(2);
  if (magnitude < 99.95) return value.toFixed(1);
  return value.toFixed(0);
}

function isMissing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

/** A simulated duration: "850µs", "12.3ms", "2.50s", "125s". */
export function formatDurationUs(us: number | null | undefined): string {
  if (isMissing(us)) return MISSING;
  const magnitude = Math.abs(us);
  // Pick the unit after rounding, so 999.7µs reads "1.00ms", not "1000µs".
  if (Math.round(magnitude) < 1000) return `${Math.round(us)}µs`;
  if (magnitude < 999_500) return `${threeSignificant(us / 1000)}ms`;
  return `${threeSignificant(us / 1_000_000)}s`;
}

/** A point in simulated time, in seconds with millisecond precision: "30.250s". */
export function formatTimestampUs(us: number): string {
  return `${(us / 1_000_000).toFixed(3)}s`;
}

/**
 * A fraction as a percentage with `decimals` decimals ("99.95%"). A value that
 * is not exactly 0 or 1 never rounds to "0.00%" or "100.00%": decimals are
 * added until it shows it is not (up to 6), since 99.9999% is not 100%.
 */
export function formatPercent(fraction: number | null | undefined, decimals = 2): string {
  if (isMissing(fraction)) return MISSING;
  const percent = fraction * 100;
  let digits = decimals;
  let text = percent.toFixed(digits);
  while (digits < 6 && fraction !== 0 && fraction !== 1 && (Number(text) === 0 || Number(text) === 100)) {
    digits += 1;
    text = percent.toFixed(digits);
  }
  return `${text}%`;
}

/** Availability nines ("3.2 nines"); the report caps them at 9. */
export function formatNines(nines: number | null | undefined): string {
  if (isMissing(nines)) return MISSING;
  return nines >= 9 ? '≥9 nines' : `${nines.toFixed(1)} nines`;
}

/** A whole count with thousands separators: "1,234,567". */
export function formatCount(count: number | null | undefined): string {
  if (isMissing(count)) return MISSING;
  const rounded = Math.round(count);
  const digits = Math.abs(rounded)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return rounded < 0 ? `-${digits}` : digits;
}

/** A plain number: whole or from 1,000 up with separators ("12", "1,234"), else three significant figures ("4.20"). */
export function formatNumber(value: number | null | undefined): string {
  if (isMissing(value)) return MISSING;
  return Number.isInteger(value) || Math.abs(value) >= 999.5 ? formatCount(value) : threeSignificant(value);
}

/** A rate per simulated second: "1,234/s", "12.3/s". */
export function formatRatePerSec(ratePerSec: number | null | undefined): string {
  if (isMissing(ratePerSec)) return MISSING;
  return `${formatNumber(ratePerSec)}/s`;
}

/** A value in one of the report's units (comparison rows, SLO verdicts). */
export function formatValue(value: number | null | undefined, unit: ValueUnit): string {
  switch (unit) {
    case 'us':
      return formatDurationUs(value);
    case 'fraction':
      return formatPercent(value);
    case 'perSec':
      return formatRatePerSec(value);
    case 'count':
      return formatNumber(value);
  }
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Bytes in powers of 1000: "512 B", "1.23 MB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 999.5 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? formatCount(value) : formatNumber(value)} ${BYTE_UNITS[unit]}`;
}
