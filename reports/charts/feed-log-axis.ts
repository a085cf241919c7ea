import { formatCount } from '../format.js';
import { FONT_FAMILY, MUTED_COLOR } from './common.js';

/**
 * Log axes of the feed charts: follower counts and shares span six decades,
 * post-to-visible delays from 0 (pulled) to minutes (a returning reader).
 * Ticks sit on powers of ten and read as such.
 */

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  0: '⁰',
  1: '¹',
  2: '²',
  3: '³',
  4: '⁴',
  5: '⁵',
  6: '⁶',
  7: '⁷',
  8: '⁸',
  9: '⁹',
};

/** A power of ten as a tick: 1, 10, 1,000 or 0.01, and 10⁻⁴ below a thousandth (never 0.0000999…). */
export function powerOfTen(value: number): string {
  const exponent = Math.round(Math.log10(value));
  if (exponent >= 0) return formatCount(10 ** exponent);
  if (exponent >= -3) return (10 ** exponent).toFixed(-exponent);
  return `10${[...String(exponent)].map((c) => SUPERSCRIPT[c]).join('')}`;
}

/** The tick labels of a log axis. */
export const logAxisLabel = { fontSize: 11, color: MUTED_COLOR, fontFamily: FONT_FAMILY, formatter: powerOfTen };

/** The power of ten at or above x, and at or below it (x > 0). */
export const decadeAbove = (x: number) => 10 ** Math.ceil(Math.log10(x) - 1e-9);
export const decadeBelow = (x: number) => 10 ** Math.floor(Math.log10(x) + 1e-9);
