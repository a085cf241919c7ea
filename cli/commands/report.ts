import { dirname, join } from 'node:path';
import type { Report } from '../../reports/report-types.js';
import { OutputFolder, writeFilesAtomically } from '../atomic-write.js';
import { checkpoint } from '../checkpoint.js';
import { UsageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { readReportFile } from '../read-report.js';
import { reportFiles } from '../write-report.js';

/** `faultline report`: charts and report.html again from a saved report.json, without re-running. */
export async function reportCommand(
  file: string,
  options: { out?: string; variant?: string },
  io: CliIo,
): Promise<string[]> {
  const report = readReportFile(file, 'draw');
  // A variant's report is one of its own, in a folder of its own: the full report beside it stays as it was.
  const alone = options.variant === undefined ? undefined : onlyVariant(report, options.variant, file);
  const dir = options.out ?? (options.variant === undefined ? undefined : join(dirname(file), options.variant));
  if (dir === undefined) {
    // Beside the report.json it was drawn from, among whatever else is there: file by file.
    await checkpoint(io, 'render');
    const files = reportFiles(report, dirname(file)).filter((f) => !f.path.endsWith('report.json'));
    await writeFilesAtomically(files, io);
    return files.map((f) => f.path);
  }
  const output = OutputFolder.prepare(dir);
  try {
    await checkpoint(io, 'render');
    const files = reportFiles(alone ?? report, dir);
    await output.write(files, io);
    return files.map((f) => f.path);
  } catch (error) {
    output.abandon();
    throw error;
  }
}

/**
 * The report as if the variant had been run alone (`faultline run --variant`): its figures at the top level, and
 * the comparison cut down to its column. A comparison row shown only when every variant has the figure stays out.
 */
function onlyVariant(report: Report, name: string, file: string): Report {
  const names = report.variants?.map((v) => v.name) ?? [];
  if (names.length === 0)
    throw new UsageError(`--variant ${name}: ${file} has no variants (its scenario has none); leave --variant out`);
  const index = names.indexOf(name);
  if (index < 0)
    throw new UsageError(`--variant ${name}: ${file} has no such variant; its variants: ${names.join(', ')}`);
  const run = report.variants![index];
  const { name: _name, overrides: _overrides, ...outcome } = run;
  const { format, faultline, scenario, seed, comparison, wall } = report;
  const prefix = `variant "${name}": `;
  const warnings = report.warnings.flatMap((w) =>
    w.startsWith(prefix) ? [w.slice(prefix.length)] : w.startsWith('variant "') ? [] : [w],
  );
  return {
    format,
    faultline,
    scenario,
    warnings,
    seed,
    variant: name,
    ...outcome,
    variants: [run],
    ...(comparison === undefined
      ? {}
      : {
          comparison: {
            variants: [name],
            rows: comparison.rows.map((row) => ({ ...row, values: [row.values[index]] })),
          },
        }),
    wall,
  };
}
