/**
 * One problem in a scenario: where (file, 1-based line and column, when the
 * problem has a place in a file) and which field (a dotted path).
 */
export interface ScenarioProblem {
  file: string;
  line?: number;
  col?: number;
  path: string;
  message: string;
}

export function formatProblem(p: ScenarioProblem): string {
  return p.line === undefined ? `${p.file} ${p.path}: ${p.message}` : `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}`;
}

/** Every problem found in a scenario, reported together; the CLI prints the message and exits 2. */
export class ScenarioError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
  }
}

export function dottedPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}
