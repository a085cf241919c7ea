import { readHistory, type HistoryFormat } from '../../reports/consistency/history-formats.js';
import { HistoryError, OperationPairer, type Operation } from '../../reports/consistency/history.js';
import { checkLinearizability, type BoundedLinearizabilityResult } from '../../reports/consistency/linearizability.js';
import { SEQUENTIAL_SPECS, type SequentialSpec, type SpecName } from '../../reports/consistency/sequential-specs.js';
import { FileLinesError, fileLines } from '../file-lines.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type Outcome } from '../exit-codes.js';

/** An operation as a person reads it: who did what, with what result, between which events (or µs). */
function describe(op: Operation, timed: boolean) {
  return {
    process: op.process,
    f: op.f,
    ...(op.key === undefined ? {} : { key: op.key }),
    value: op.input,
    result: op.unknown ? 'unknown' : op.output,
    [timed ? 'invokedUs' : 'invokedAt']: op.callTime,
    [timed ? 'completedUs' : 'completedAt']: op.unknown ? null : op.returnTime,
  };
}

function explain(model: string, state: unknown, stuck: Operation, open: number): string {
  const others = open - 1;
  return (
    `In the longest order found, the ${model} ends at ${JSON.stringify(state)}; ${stuck.f} by process ${stuck.process} returned ` +
    `${JSON.stringify(stuck.output)}, and ${others === 0 ? 'no other operation was open' : `none of the ${others} other open operation${others === 1 ? '' : 's'}`} ` +
    'could be ordered to make that possible before it returned.'
  );
}

function verdictJson(result: BoundedLinearizabilityResult, timed: boolean) {
  const c = result.counterexample;
  return {
    linearizable: result.linearizable,
    model: result.model,
    operations: result.operations,
    partitions: result.partitions,
    statesExplored: result.statesExplored,
    ...(result.unknown === undefined ? {} : { unknown: result.unknown }),
    ...(c === undefined
      ? {}
      : {
          counterexample: {
            ...(c.key === undefined ? {} : { key: c.key }),
            explanation: explain(result.model, c.state, c.stuck, c.open.length + c.openOmitted),
            state: c.state,
            lastOrdered: c.lastOrdered.map((op) => describe(op, timed)),
            stuck: describe(c.stuck, timed),
            open: c.open.map((op) => describe(op, timed)),
            ...(c.openOmitted > 0 ? { openOmitted: c.openOmitted } : {}),
          },
        }),
  };
}

/**
 * The file's operations, read a line at a time: what is held is the
 * operations (one slot per invocation), never the file's text or events.
 */
function readOperations(file: string, spec: SequentialSpec, format: HistoryFormat | undefined) {
  const pairer = new OperationPairer(spec.isReadOnly);
  try {
    for (const event of readHistory(fileLines(file), format)) pairer.add(event);
    return { timed: pairer.timed, operations: pairer.operations() };
  } catch (error) {
    if (error instanceof HistoryError) throw new UsageError(`${file}:${error.line}: ${error.message}`);
    if (error instanceof FileLinesError)
      throw new UsageError(`${file}${error.line > 0 ? `:${error.line}` : ''}: ${error.message}`);
    throw error;
  }
}

/** `faultline check`: is a recorded history linearizable? Prints a JSON verdict; exit 0 if so, 1 if not or if `maxSteps` ran out first. */
export function checkCommand(
  file: string,
  options: { model: SpecName; format?: HistoryFormat; maxSteps?: number },
): Outcome & { output: string } {
  const spec = SEQUENTIAL_SPECS[options.model];
  const { operations, timed } = readOperations(file, spec, options.format);
  let result: BoundedLinearizabilityResult;
  try {
    result = checkLinearizability(operations, spec, { maxSteps: options.maxSteps });
  } catch (error) {
    // An operation the model does not have: the history is for another model.
    if (error instanceof RangeError)
      throw new UsageError(`${file}: ${error.message}; is --model ${options.model} right?`);
    throw error;
  }
  return {
    ...(result.linearizable === true
      ? { code: EXIT_OK }
      : result.linearizable === false
        ? { code: EXIT_FAILED, reason: 'the history is not linearizable (the verdict has a counterexample)' }
        : {
            code: EXIT_FAILED,
            reason: `no verdict: the search stopped after ${options.maxSteps} steps (--max-steps); raise it, or check fewer keys at a time`,
          }),
    output: JSON.stringify(verdictJson(result, timed), null, 2),
  };
}
