import type { Chart } from './charts/index.js';
import type { SloOutcome } from './report-types.js';

/** The building blocks of the HTML report; every string from a report goes through escapeHtml. */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

export function section(id: string, heading: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(heading)}</h2>\n${body}\n</section>`;
}

/** A table with a header row; `numeric` columns are right-aligned with tabular figures. Cells are already HTML. */
export function table(headers: string[], rows: string[][], numeric: ReadonlySet<number> = new Set()): string {
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
  const head = headers.map((h, i) => `<th scope="col"${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell, i) => `<td${cls(i)}>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

export const range = (from: number, to: number) => new Set(Array.from({ length: to - from }, (_, i) => from + i));

export function passBadge(passed: boolean): string {
  return passed ? '<span class="badge pass">✓ PASS</span>' : '<span class="badge fail">✗ FAIL</span>';
}

/** An SLO verdict: pass, fail, or no data to judge (neither). */
export function verdictBadge(verdict: SloOutcome): string {
  return verdict === 'no-data' ? '<span class="badge unknown">NO DATA</span>' : passBadge(verdict === 'pass');
}

export function figure(chart: Chart): string {
  return `<figure class="chart" id="chart-${escapeHtml(chart.id)}" aria-label="${escapeHtml(chart.title)}">${chart.svg}</figure>`;
}
