/**
 * One problem in a scenario: where (a file, or `--set`; the 1-based line and
 * column when the problem has a place in a file) and which field (a dotted
 * path, `(root)` for the document itself).
 */
export interface ScenarioProblem {
  file: string;
  line?: number;
  col?: number;
  path: string;
  message: string;
}

/** `file:line:col path: message`, or `file path: message` without a position; empty parts are left out. */
export function formatProblem(p: ScenarioProblem): string {
  const where = [p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col}`, p.path]
    .filter((part) => part !== '')
    .join(' ');
  return printable(where === '' ? p.message : `${where}: ${p.message}`);
}

/**
 * Text from a scenario made safe for a terminal: control characters (ESC,
 * BEL, a C1 CSI) other than newline and tab are written as `\u001b` escapes,
 * so a file cannot move the cursor, recolour or retitle the terminal.
 */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Every problem found in a scenario, reported together; the CLI prints the message and exits 2. */
export class ScenarioError extends Error {
  /** `problems` may end with a line counting those not listed; `count` is how many were found in all. */
  constructor(
    readonly problems: ScenarioProblem[],
    readonly count = problems.length,
  ) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
  }
}

export function dottedPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}
