/** The child of `inFreshProcess`: one call, its result sent back, then exit. */
import type { FreshProcessCall } from './in-fresh-process.js';

process.once('message', (message) => {
  const call = message as FreshProcessCall;
  void (async () => {
    try {
      const module = (await import(call.module)) as Record<string, (...args: unknown[]) => unknown>;
      const fn = module[call.exportName];
      if (typeof fn !== 'function') throw new Error(`${call.module} exports no function ${call.exportName}`);
      const value: unknown = await Reflect.apply(fn, undefined, call.args);
      process.send!({ value }, () => process.exit(0));
    } catch (error) {
      process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () =>
        process.exit(1),
      );
    }
  })();
});
