import { readFileSync } from 'node:fs';
import { parseHistory, type HistoryFormat } from '../../reports/consistency/history-formats.js';
import { HistoryError, pairOperations, type Operation } from '../../reports/consistency/history.js';
import { checkLinearizability, type LinearizabilityResult } from '../../reports/consistency/linearizability.js';
import { SEQUENTIAL_SPECS, type SequentialSpec, type SpecName } from '../../reports/consistency/sequential-specs.js';
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

function verdictJson(result: LinearizabilityResult, timed: boolean) {
  const c = result.counterexample;
  return {
    linearizable: result.linearizable,
    model: result.model,
    operations: result.operations,
    partitions: result.partitions,
    statesExplored: result.statesExplored,
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
 * The file's operations. Its text and events are left behind here, so the
 * search does not hold them: what it holds is the operations and its memo.
 */
function readOperations(file: string, spec: SequentialSpec, format: HistoryFormat | undefined) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_STRING_TOO_LONG')
      throw new UsageError(
        `${file}: larger than faultline can read at once (about 512 MB); check the keys in separate files`,
      );
    throw new UsageError(`${file}: cannot read it (${code ?? (error as Error).message})`);
  }
  try {
    const events = parseHistory(text, format);
    return {
      timed: events.some((e) => e.timeUs !== undefined),
      operations: pairOperations(events, spec.isReadOnly),
    };
  } catch (error) {
    if (error instanceof HistoryError) throw new UsageError(`${file}:${error.line}: ${error.message}`);
    throw error;
  }
}

/** `faultline check`: is a recorded history linearizable? Prints a JSON verdict; exit 0 if so, 1 if not. */
export function checkCommand(
  file: string,
  options: { model: SpecName; format?: HistoryFormat },
): Outcome & { output: string } {
  const spec = SEQUENTIAL_SPECS[options.model];
  const { operations, timed } = readOperations(file, spec, options.format);
  let result: LinearizabilityResult;
  try {
    result = checkLinearizability(operations, spec);
  } catch (error) {
    // An operation the model does not have: the history is for another model.
    if (error instanceof RangeError)
      throw new UsageError(`${file}: ${error.message}; is --model ${options.model} right?`);
    throw error;
  }
  return {
    ...(result.linearizable
      ? { code: EXIT_OK }
      : { code: EXIT_FAILED, reason: 'the history is not linearizable (the verdict has a counterexample)' }),
    output: JSON.stringify(verdictJson(result, timed), null, 2),
  };
}
