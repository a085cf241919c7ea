import { EdnAtom, HistoryError, type EventType, type HistoryEvent, type Value } from './history.js';

export const HISTORY_FORMATS = ['jepsen', 'edn', 'jsonl'] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

const EVENT_TYPES: readonly string[] = ['invoke', 'ok', 'fail', 'info'];

/**
 * The events of a history, one at a time from its lines (a file's, streamed
 * by the caller, or a text's), in any of the formats; `format` undefined
 * means tell by the first line that is not blank. Nothing is held but the
 * current line (EDN: the current top-level form).
 */
export function* readHistory(lines: Iterable<string>, format?: HistoryFormat): Generator<HistoryEvent> {
  let number = 0;
  let read: ((line: string, number: number) => Iterable<HistoryEvent>) | undefined;
  let edn: EdnForms | undefined;
  const choose = (first: string) => {
    const chosen = format ?? detectFormat(first);
    if (chosen === 'edn') {
      const forms = (edn = new EdnForms());
      return (line: string, n: number) => ednEvents(forms.push(line, n));
    }
    return chosen === 'jepsen' ? jepsenLogEvents : jsonlEvents;
  };
  for (const raw of lines) {
    number++;
    const line = raw.trim();
    if (read === undefined) {
      if (line === '') continue;
      read = choose(line);
    }
    yield* read(edn === undefined ? line : raw, number);
  }
  if (edn !== undefined) yield* ednEvents(edn.finish());
}

/** A whole history held as text (tests, and histories a run recorded). */
export function parseHistory(text: string, format?: HistoryFormat): HistoryEvent[] {
  return Array.from(readHistory(text.split('\n'), format));
}

function detectFormat(first: string): HistoryFormat {
  if (first.startsWith('{:') || first.startsWith('[{:') || first.startsWith('[')) return 'edn';
  if (first.startsWith('{')) return 'jsonl';
  return 'jepsen';
}

const LOG_LINE = /^\S+\s+jepsen\.util\s+-\s+(\d+)\s+:(\w+)\s+:(\S+)\s+(.*?)\s*$/;
/** A line of a process other than a client (`:nemesis`): Jepsen numbers its clients and names the rest. */
const NON_CLIENT_LOG_LINE = /^\S+\s+jepsen\.util\s+-\s+:/;

/**
 * Jepsen's log lines: `INFO  jepsen.util - 3	:invoke	:write	4` (tabs or
 * spaces). The nemesis's lines (`:nemesis	:info	:start	Cut off ...`) are
 * skipped: they inject faults, are no client operation, and their values are
 * free text.
 */
function jepsenLogEvents(line: string, number: number): HistoryEvent[] {
  if (line === '' || NON_CLIENT_LOG_LINE.test(line)) return [];
  const m = LOG_LINE.exec(line);
  if (m === null)
    throw new HistoryError(
      `not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>"): ${clip(line)}`,
      number,
    );
  const reader = new EdnReader(m[4], number, MAX_NESTING);
  const value = historyValue(reader.readForm(), number);
  reader.skipSpace();
  if (!reader.done) throw new HistoryError(`one value expected after :${m[3]}, got ${clip(m[4])}`, number);
  return [toEvent(Number(m[1]), m[2], m[3], undefined, value, undefined, number)];
}

/**
 * One EDN map per line: `{:process 9, :type :invoke, :f :append, :key "0",
 * :value "x 9 0 y"}`; a surrounding vector is allowed, and a map may span
 * lines. Jepsen's `:time` is in nanoseconds. Events of processes that are
 * not clients (`:process :nemesis`) are skipped, whatever their values hold.
 */
function ednEvents(forms: { text: string; line: number } | null): HistoryEvent[] {
  if (forms === null) return [];
  const events: HistoryEvent[] = [];
  // Values nest inside the event's map.
  const reader = new EdnReader(forms.text, forms.line, MAX_NESTING + 1);
  reader.skipSpace();
  while (!reader.done) {
    const line = reader.line;
    const map = reader.readForm();
    if (!(map instanceof Map))
      throw new HistoryError('expected a map like {:process 0, :type :invoke, :f :read, :value nil}', line);
    const process = map.get(':process');
    if (!isKeyword(process)) {
      const key = map.get(':key');
      const value = historyValue(map.get(':value') ?? null, line);
      const timeUs = eventTimeUs(map.get(':timeUs'), map.get(':time'), line);
      events.push(
        toEvent(
          process,
          name(map.get(':type')),
          name(map.get(':f')),
          isBigInteger(key) ? key.edn : key,
          value,
          timeUs,
          line,
        ),
      );
    }
    reader.skipSpace();
  }
  return events;
}

/** The longest top-level EDN form read at once: a form longer than this is a bracket or quote left open. */
export const MAX_FORM_CHARS = 64 * 1024 * 1024;

/**
 * Groups EDN lines into runs of whole top-level forms, by tracking brackets,
 * strings, comments and character literals, so each run is read on its own.
 * A vector around the whole history is taken off: its `[` and `]` become spaces.
 */
class EdnForms {
  private lines: string[] = [];
  private chars = 0;
  private firstLine = 0;
  private depth = 0;
  private inString = false;
  private outer: 'unknown' | 'none' | 'open' | 'closed' = 'unknown';

  /** The forms completed by this line, or null while one is still open. */
  push(line: string, number: number): { text: string; line: number } | null {
    let text = line;
    let codeEnd = text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.inString) {
        if (c === '\\') i++;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r' || c === ',') continue;
      if (c === ';') {
        codeEnd = i;
        break;
      }
      if (this.outer === 'closed')
        throw new HistoryError(`${clip(text.slice(i))} after the ] that closes the history`, number);
      if (this.outer === 'unknown') {
        this.outer = c === '[' ? 'open' : 'none';
        if (c === '[') {
          text = `${text.slice(0, i)} ${text.slice(i + 1)}`;
          continue;
        }
      }
      if (c === '"') this.inString = true;
      else if (c === '\\') i++;
      else if (c === '{' || c === '[' || c === '(') this.depth++;
      else if (c === '}' || c === ')' || c === ']') {
        if (c === ']' && this.depth === 0 && this.outer === 'open') {
          this.outer = 'closed';
          text = `${text.slice(0, i)} ${text.slice(i + 1)}`;
        } else this.depth--;
      }
    }
    if (this.lines.length === 0) this.firstLine = number;
    this.lines.push(text);
    this.chars += text.length + 1;
    if (this.chars > MAX_FORM_CHARS)
      throw new HistoryError(
        `a form starting here is still open after ${MAX_FORM_CHARS / 1024 / 1024} MiB; is a bracket or a quote missing?`,
        this.firstLine,
      );
    // `#_` or a tag at the end of a line applies to the form on the next.
    if (this.inString || this.depth > 0 || /(^|[\s,])#[^\s,]*$/.test(text.slice(0, codeEnd).trimEnd())) return null;
    return this.take();
  }

  /** What is left at the end of the file. */
  finish(): { text: string; line: number } | null {
    if (this.inString || this.depth > 0)
      throw new HistoryError(
        `the form starting here is not closed by the end of the file (${this.inString ? 'a string' : 'a bracket'} is still open)`,
        this.firstLine,
      );
    return this.lines.length === 0 ? null : this.take();
  }

  private take(): { text: string; line: number } | null {
    const text = this.lines.join('\n');
    const line = this.firstLine;
    this.lines = [];
    this.chars = 0;
    this.depth = 0;
    return text.trim() === '' ? null : { text, line };
  }
}

/** faultline's own: one JSON object per line, `{"process":0,"type":"invoke","f":"write","value":3,"timeUs":1200}`. */
function jsonlEvents(line: string, number: number): HistoryEvent[] {
  if (line === '') return [];
  let object: Record<string, unknown>;
  try {
    object = JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    throw new HistoryError(`not JSON: ${(error as Error).message}`, number);
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object))
    throw new HistoryError('expected a JSON object per line', number);
  const value = jsonValue(object.value ?? null, number);
  return [
    toEvent(
      object.process,
      object.type,
      object.f,
      object.key,
      value,
      eventTimeUs(object.timeUs, object.time, number),
      number,
    ),
  ];
}

function toEvent(
  process: unknown,
  type: unknown,
  f: unknown,
  key: unknown,
  value: Value,
  timeUs: number | undefined,
  line: number,
): HistoryEvent {
  if (typeof process !== 'number' || !Number.isSafeInteger(process))
    throw new HistoryError(
      '"process" must be an integer (a client; Jepsen\'s :nemesis and other named processes are skipped)',
      line,
    );
  if (typeof type !== 'string') throw new HistoryError('"type" must be one of invoke, ok, fail, info', line);
  if (typeof f !== 'string') throw new HistoryError('"f" must name the operation, like read or write', line);
  if (
    key !== undefined &&
    key !== null &&
    typeof key !== 'string' &&
    !(typeof key === 'number' && Number.isSafeInteger(key))
  )
    throw new HistoryError('"key" must be a string or an integer', line);
  const eventType = toEventType(type, line);
  return {
    process,
    type: eventType,
    f,
    ...(key === undefined || key === null ? {} : { key: String(key) }),
    value: eventType !== 'invoke' && value instanceof EdnAtom && value.edn === ':timed-out' ? null : value,
    ...(timeUs === undefined ? {} : { timeUs }),
    line,
  };
}

function toEventType(type: string, line: number): EventType {
  if (!EVENT_TYPES.includes(type))
    throw new HistoryError(`unknown event type "${type}" (expected invoke, ok, fail or info)`, line);
  return type as EventType;
}

/** faultline's `timeUs`, or Jepsen's `time`: nanoseconds since the test began. */
function eventTimeUs(timeUs: unknown, timeNs: unknown, line: number): number | undefined {
  const finite = (t: unknown, field: string) => {
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new HistoryError(`"${field}" must be a number`, line);
    return t;
  };
  if (timeUs !== undefined && timeUs !== null) return finite(timeUs, 'timeUs');
  if (timeNs !== undefined && timeNs !== null) return finite(timeNs, 'time') / 1000;
  return undefined;
}

/**
 * How deep values may nest (vectors in vectors; in EDN also maps, lists, sets,
 * tagged elements and `#_` discards): enough for any operation's value, and
 * far from the depth at which reading or comparing them would overflow the stack.
 */
export const MAX_NESTING = 100;

const tooDeep = (line: number) =>
  new HistoryError(
    `a value is nested more than ${MAX_NESTING} levels deep (vectors, maps and the like, and EDN's #_ discards); faultline reads at most ${MAX_NESTING}`,
    line,
  );

/** JSON's values as history values: a boolean is an atom like EDN's, and an integer a double cannot hold exactly is refused rather than rounded. */
function jsonValue(v: unknown, line: number, depth = 0): Value {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'boolean') return new EdnAtom(String(v));
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !Number.isSafeInteger(v))
      throw new HistoryError(`${v} is beyond 2^53: a JSON number cannot hold it exactly; write it as a string`, line);
    return v;
  }
  if (Array.isArray(v)) {
    if (depth === MAX_NESTING) throw tooDeep(line);
    return v.map((item) => jsonValue(item, line, depth + 1));
  }
  throw new HistoryError('an object is not a value an operation can take', line);
}

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** An EDN map, keyed by each key's EDN text (`:process`, `"n1"`), so a keyword key is not a string key. */
type EdnMap = Map<string, Edn>;

/** What the reader has no history value for (a set, a float, a symbol, a character, a tagged element): what it was, to name it if a client operation holds one. */
class Unsupported {
  constructor(readonly kind: string) {}
}

type Edn = null | number | string | EdnAtom | Unsupported | EdnMap | Edn[];

const isKeyword = (v: unknown): v is EdnAtom => v instanceof EdnAtom && v.edn.startsWith(':');
const isBigInteger = (v: unknown): v is EdnAtom => v instanceof EdnAtom && /^-?\d/.test(v.edn);

/** A keyword's name (`:read` is read), or a string as it is; undefined for anything else. */
const name = (v: Edn | undefined): string | undefined =>
  isKeyword(v) ? v.edn.slice(1) : typeof v === 'string' ? v : undefined;

function historyValue(edn: Edn, line: number): Value {
  if (edn instanceof Map) throw new HistoryError('a map is not a value an operation can take', line);
  if (edn instanceof Unsupported)
    throw new HistoryError(
      `${edn.kind} is not a value an operation can take (nil, integers, strings, keywords, booleans and vectors of them are)`,
      line,
    );
  return Array.isArray(edn) ? edn.map((item) => historyValue(item, line)) : edn;
}

const INTEGER = /^[+-]?\d+N?$/;
const FLOAT = /^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/;
const DELIMITERS = ' \t\r\n,;{}[]()"';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * EDN as Jepsen writes it: maps, vectors and lists, strings, integers
 * (exactly, however large), nil, booleans and keywords; sets, floats,
 * symbols, characters and tagged elements are read past (a nemesis's value
 * may hold any of them) but are no history value. Comments and `#_`
 * discards are skipped. Forms nest at most `maxDepth` deep, the reader
 * being recursive.
 */
class EdnReader {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    public line: number,
    private readonly maxDepth: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '\n') this.line++;
      else if (c === ';') {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
        continue;
      } else if (c === '#' && this.text[this.pos + 1] === '_') {
        this.pos += 2;
        this.readForm();
        continue;
      } else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== ',') return;
      this.pos++;
    }
  }

  readForm(): Edn {
    // A throw abandons the reader, so depth need not be restored on the way out.
    if (this.depth === this.maxDepth) throw tooDeep(this.line);
    this.depth++;
    const form = this.readFormHere();
    this.depth--;
    return form;
  }

  private readFormHere(): Edn {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) throw new HistoryError('unexpected end of input', this.line);
    if (c === '{') return this.readMap();
    if (c === '[' || c === '(') return this.readSequence(c === '[' ? ']' : ')');
    if (c === '"') return this.readString();
    if (c === '#') return this.readDispatch();
    if (c === '\\') {
      // The character itself may be a delimiter (\( or \,); a name may follow (\newline, \u00e9).
      this.pos += 2;
      this.readToken();
      return new Unsupported('a character');
    }
    const token = this.readToken();
    if (token === '') throw new HistoryError(`cannot read "${c}" here`, this.line);
    if (token === 'nil') return null;
    if (token === 'true' || token === 'false' || token.startsWith(':')) return new EdnAtom(token);
    if (INTEGER.test(token)) {
      const n = BigInt(token.replace(/N$/, '').replace(/^\+/, ''));
      return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : new EdnAtom(n.toString());
    }
    if (FLOAT.test(token)) return new Unsupported('a float');
    return new Unsupported(/^[+-]?\d/.test(token) ? `the number ${clip(token)}` : `the symbol ${clip(token)}`);
  }

  /** After `#`: a set, a symbolic value (##Inf), a regex, or a tagged element (#inst "..."). */
  private readDispatch(): Edn {
    this.pos++;
    const c = this.text[this.pos];
    if (c === '{') {
      this.readSequence('}');
      return new Unsupported('a set');
    }
    if (c === '"') {
      this.readString();
      return new Unsupported('a regex');
    }
    if (c === '#') {
      this.pos++;
      this.readToken();
      return new Unsupported('a float');
    }
    const tag = this.readToken();
    if (tag === '') throw new HistoryError(`cannot read "#${c ?? ''}" here`, this.line);
    this.readForm();
    return new Unsupported(`a tagged element #${tag}`);
  }

  private readToken(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !DELIMITERS.includes(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private readMap(): EdnMap {
    this.pos++;
    const map: EdnMap = new Map();
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return map;
      }
      const key = this.readForm();
      this.skipSpace();
      if (this.text[this.pos] === '}') throw new HistoryError('a map needs a value for every key', this.line);
      map.set(key instanceof EdnAtom ? key.edn : JSON.stringify(key), this.readForm());
    }
  }

  private readSequence(close: string): Edn[] {
    this.pos++;
    const items: Edn[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.readForm());
    }
  }

  /** Copies the runs between escapes whole: a long string built a character at a time would cost a cons cell per character. */
  private readString(): string {
    let out = '';
    let run = ++this.pos;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '"' || c === '\\') {
        out += this.text.slice(run, this.pos++);
        if (c === '"') return out;
        out += this.readEscape();
        run = this.pos;
        continue;
      }
      if (c === '\n') this.line++;
      this.pos++;
    }
    throw new HistoryError('a string is not closed', this.line);
  }

  private readEscape(): string {
    const e = this.text[this.pos++];
    const simple = ESCAPES[e];
    if (simple !== undefined) return simple;
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos, this.pos + 4))) {
      this.pos += 4;
      return String.fromCharCode(parseInt(this.text.slice(this.pos - 4, this.pos), 16));
    }
    throw new HistoryError(`cannot read the escape "\\${e ?? ''}" in a string`, this.line);
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\' };
