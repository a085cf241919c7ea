import type { Chart } from './charts/index.js';
import { formatCount } from './format.js';
import type { Report, RunOutcome, SloOutcome } from './report-types.js';

/** The building blocks of the HTML report; every string from a report goes through escapeHtml. */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

export function section(id: string, heading: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(heading)}</h2>\n${body}\n</section>`;
}

/**
 * A table with a header row; `numeric` columns are right-aligned with tabular figures. Cells are already HTML.
 * `columnPerVariant`: the columns after the first are variants, as many as the scenario declares, so they share
 * the width equally and their text wraps instead of pushing the table past the page.
 */
export function table(
  headers: string[],
  rows: string[][],
  numeric: ReadonlySet<number> = new Set(),
  options: { columnPerVariant?: boolean } = {},
): string {
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
  // Variant names break after their hyphens, not in the middle of a word.
  const header = (h: string) => (options.columnPerVariant ? escapeHtml(h).replaceAll('-', '-<wbr>') : escapeHtml(h));
  const head = headers.map((h, i) => `<th scope="col"${cls(i)}>${header(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell, i) => `<td${cls(i)}>${cell}</td>`).join('')}</tr>`).join('\n');
  const open = options.columnPerVariant ? '<table class="per-variant">' : '<table>';
  return `<div class="table-wrap">${open}\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

/**
 * A scenario's description as HTML: blank lines separate paragraphs, lines
 * starting with "- " or "* " are list items (indented lines continue them),
 * and other line breaks inside a paragraph are only the YAML's wrapping.
 */
export function descriptionHtml(text: string): string {
  const blocks: string[] = [];
  let paragraph: string[] = [];
  let items: string[][] = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) blocks.push(`<p>${escapeHtml(paragraph.join(' '))}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (items.length > 0)
      blocks.push(`<ul>${items.map((item) => `<li>${escapeHtml(item.join(' '))}</li>`).join('')}</ul>`);
    items = [];
  };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    const bullet = /^[-*]\s+(.*)$/.exec(trimmed);
    if (trimmed === '') {
      flushParagraph();
      flushList();
    } else if (bullet !== null) {
      flushParagraph();
      items.push([bullet[1]]);
    } else if (items.length > 0 && /^\s/.test(line)) {
      items[items.length - 1].push(trimmed);
    } else {
      flushList();
      paragraph.push(trimmed);
    }
  }
  flushParagraph();
  flushList();
  return blocks.join('\n');
}

/** A run of a report with its name: a variant, or the one run named after its variant. */
export type NamedRun = RunOutcome & { name: string };

/** The runs of a report that have a section (`has`), the columns of its tables. */
export function runsWith(report: Report, has: (run: RunOutcome) => boolean): NamedRun[] {
  return (report.variants ?? [{ ...report, name: report.variant }]).filter(has);
}

/** A figure's context on a line of its own beneath it, so the columns stay narrow. */
export function detail(text: string): string {
  return `<br><span class="muted small">${escapeHtml(text)}</span>`;
}

/** A count that is an anomaly when not 0 (lost, duplicated), in bold red then. */
export function badCount(n: number): string {
  return n === 0 ? escapeHtml(formatCount(n)) : `<strong class="bad">${escapeHtml(formatCount(n))}</strong>`;
}

export const range = (from: number, to: number) => new Set(Array.from({ length: to - from }, (_, i) => from + i));

export function passBadge(passed: boolean): string {
  return passed ? '<span class="badge pass">✓ PASS</span>' : '<span class="badge fail">✗ FAIL</span>';
}

/** An SLO verdict: pass, fail, or no data to judge (neither). */
export function verdictBadge(verdict: SloOutcome): string {
  return verdict === 'no-data' ? '<span class="badge unknown">NO DATA</span>' : passBadge(verdict === 'pass');
}

/** A run's SLO verdict: with none declared there is nothing to pass, so the badge is neutral rather than green. */
export function sloBadge(slo: { verdict: SloOutcome; verdicts: readonly unknown[] }): string {
  return slo.verdicts.length === 0 ? '<span class="badge none">none declared</span>' : verdictBadge(slo.verdict);
}

export function figure(chart: Chart): string {
  return `<figure class="chart" id="chart-${escapeHtml(chart.id)}" aria-label="${escapeHtml(chart.title)}">${chart.svg}</figure>`;
}

/** JSON safe inside <script>: no "<" can close the element or open a comment; JSON.parse restores them. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** A whole self-contained page: the sections in <main>, the footer, and the data it was drawn from, embedded as JSON. */
export function htmlPage(page: {
  title: string;
  style: string;
  body: string;
  footer: string;
  dataId: string;
  data: unknown;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${page.style}</style>
</head>
<body>
<main>
${page.body}
</main>
${page.footer}
<script type="application/json" id="${page.dataId}">${embedJson(page.data)}</script>
</body>
</html>
`;
}
