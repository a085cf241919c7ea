/**
 * The text forms of units and their parsers, without zod: commands that only
 * format durations (the CLI's start, run budgets) load this, not the schemas
 * in units.ts.
 */

const DURATION_UNITS_US: Record<string, number> = {
  us: 1,
  µs: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  min: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
};
const RATE_PER_UNITS: Record<string, number> = {
  us: 1e6,
  µs: 1e6,
  ms: 1_000,
  s: 1,
  sec: 1,
  m: 1 / 60,
  min: 1 / 60,
  h: 1 / 3600,
  d: 1 / 86_400,
  day: 1 / 86_400,
};
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};
const BANDWIDTH_UNITS: Record<string, number> = { bps: 1, Kbps: 1e3, Mbps: 1e6, Gbps: 1e9 };

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
export const DURATION_RE = new RegExp(`^${NUMBER}\\s*(us|µs|ms|s|min|m|h|d)$`);
export const RATE_RE = new RegExp(`^${NUMBER}\\s*/\\s*(us|µs|ms|sec|s|min|m|h|day|d)$`);
export const SIZE_RE = new RegExp(`^${NUMBER}\\s*(B|KB|MB|GB|KiB|MiB|GiB)$`);
export const BANDWIDTH_RE = new RegExp(`^${NUMBER}\\s*(bps|Kbps|Mbps|Gbps)$`);
export const PERCENT_RE = new RegExp(`^${NUMBER}\\s*%$`);

/**
 * The longest duration anything may have: 100 years of simulated time. Times
 * are microseconds in doubles, exact to 2^53 µs (about 285 years), so sums of
 * two such times stay exact.
 */
export const MAX_DURATION_US = 36_525 * DURATION_UNITS_US.d;
export const tooLong = (text: string) => `"${text}" is too long: a duration is at most 100 years (36525d)`;

export function parseDurationUs(text: string): number | null {
  return text === '0' ? 0 : (quantityOf('duration', text.trim())?.base ?? null);
}

export function parseRatePerSec(text: string): number | null {
  return quantityOf('rate', text.trim())?.base ?? null;
}

export function parseSizeBytes(text: string): number | null {
  return text === '0' ? 0 : (quantityOf('size', text.trim())?.base ?? null);
}

export function parseBitsPerSec(text: string): number | null {
  return quantityOf('bandwidth', text.trim())?.base ?? null;
}

/** Renders microseconds back in the largest unit that keeps the number whole, so a round trip is exact. */
export function formatDurationUnit(us: number): string {
  if (us === 0) return '0';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const scale = DURATION_UNITS_US[unit];
    if (us % scale === 0) return `${us / scale}${unit}`;
  }
  return `${us}us`;
}

/** A number with a unit, as written, and its value in the unit's base (µs, per second, bytes, bits per second, a fraction). */
export interface UnitQuantity {
  kind: 'duration' | 'rate' | 'size' | 'bandwidth' | 'percent';
  base: number;
  /** The unit as written: `ms`, `s` (of `/s`), `KiB`, `%`. */
  unit: string;
  /** Base units per one of `unit`. */
  scale: number;
}

const QUANTITY_FORMS: Record<UnitQuantity['kind'], { re: RegExp; scales: Record<string, number> }> = {
  duration: { re: DURATION_RE, scales: DURATION_UNITS_US },
  rate: { re: RATE_RE, scales: RATE_PER_UNITS },
  size: { re: SIZE_RE, scales: SIZE_UNITS },
  bandwidth: { re: BANDWIDTH_RE, scales: BANDWIDTH_UNITS },
  percent: { re: PERCENT_RE, scales: { '%': 0.01 } },
};

/** `text` (trimmed) read as a quantity of `kind`, or null. */
function quantityOf(kind: UnitQuantity['kind'], text: string): UnitQuantity | null {
  const { re, scales } = QUANTITY_FORMS[kind];
  const m = re.exec(text);
  if (m === null) return null;
  const unit = kind === 'percent' ? '%' : m[2];
  return { kind, base: scaled(m[1], scales[unit]), unit, scale: scales[unit] };
}

/**
 * `digits` (a decimal such as `4.1`) times `scale`. With a whole scale the
 * whole and fractional parts are scaled apart, so a value that is whole in the
 * base unit comes out whole: `4.1s` is 4,100,000 µs, where 4.1 × 1e6 in
 * floating point is 4,099,999.9999999995.
 */
function scaled(digits: string, scale: number): number {
  if (!Number.isInteger(scale)) return Number(digits) * scale;
  const [whole, fraction = ''] = digits.split('.');
  return Number(whole || '0') * scale + (Number(fraction || '0') * scale) / 10 ** fraction.length;
}

/** Reads `750/s`, `20ms`, `4KiB`, `1Gbps` or `99.9%`; null for anything else (a plain number included). */
export function parseUnitQuantity(text: string): UnitQuantity | null {
  const trimmed = text.trim();
  for (const kind of Object.keys(QUANTITY_FORMS) as UnitQuantity['kind'][]) {
    const quantity = quantityOf(kind, trimmed);
    if (quantity !== null) return quantity;
  }
  return null;
}

/** Writes a base value back in a unit of its kind: 750 per second in `s` is `750/s`. */
export function formatUnitQuantity(kind: UnitQuantity['kind'], base: number, unit: string, scale: number): string {
  const n = Number((base / scale).toPrecision(12));
  return kind === 'rate' ? `${n}/${unit}` : `${n}${unit}`;
}
