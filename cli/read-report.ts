import { readFileSync } from 'node:fs';
import { parseReport } from '../reports/report-schema.js';
import { REPORT_FORMAT_VERSION, type Report } from '../reports/report-types.js';
import { UsageError } from './exit-codes.js';

/**
 * Older formats whose reports are also reports of the current one: format 5
 * only added the optional `delivery` section, format 6 the optional `caches`
 * one and format 7 the optional `feed` and `chat` ones, and a format 4 run had
 * no topic, a format 5 run no cache and a format 6 run no feed or chat, so
 * their trace hashes are what this version computes.
 */
const READ_AS_CURRENT: readonly number[] = [4, 5, 6];

/** "4, 5, 6 and 7". */
const READABLE_FORMATS = `${READ_AS_CURRENT.join(', ')} and ${REPORT_FORMAT_VERSION}`;

/** A report.json that faultline run wrote, read and checked; anything else is a UsageError saying what it is instead. */
export function readReportFile(file: string, purpose: string): Report {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${file}: not JSON (${(error as Error).message}); give the report.json that faultline run wrote`,
    );
  }
  const format = (document as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format !== REPORT_FORMAT_VERSION && !READ_AS_CURRENT.includes(format)) {
    throw new UsageError(
      `${file}: a faultline report of format ${format}, but this faultline reads formats ${READABLE_FORMATS}; run the scenario again with this version to get a report it can ${purpose}`,
    );
  }
  if (typeof format === 'number' && READ_AS_CURRENT.includes(format))
    document = { ...(document as Record<string, unknown>), format: REPORT_FORMAT_VERSION };
  if (document === null || typeof document !== 'object' || Array.isArray(document) || format === undefined) {
    throw new UsageError(
      `${file}: not a faultline report (format ${REPORT_FORMAT_VERSION}); give the report.json that faultline run wrote`,
    );
  }
  const parsed = parseReport(document);
  if (!parsed.ok) {
    throw new UsageError(
      [
        ...parsed.problems.map((problem) => `${file}: ${problem}`),
        `${file}: not a report faultline can ${purpose} as it stands; was it edited? Run the scenario again for a new one`,
      ].join('\n'),
    );
  }
  return parsed.report;
}
