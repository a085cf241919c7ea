import { HistoryError, type EventType, type HistoryEvent, type Value } from './history.js';

export const HISTORY_FORMATS = ['jepsen', 'edn', 'jsonl'] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

const EVENT_TYPES: readonly string[] = ['invoke', 'ok', 'fail', 'info'];

/** Parses a history in any of the formats; `format` undefined means tell by the content. */
export function parseHistory(text: string, format?: HistoryFormat): HistoryEvent[] {
  switch (format ?? detectFormat(text)) {
    case 'jepsen':
      return parseJepsenLog(text);
    case 'edn':
      return parseEdnHistory(text);
    case 'jsonl':
      return parseJsonlHistory(text);
  }
}

function detectFormat(text: string): HistoryFormat {
  const first = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  if (first.startsWith('{:') || first.startsWith('[{:')) return 'edn';
  if (first.startsWith('{')) return 'jsonl';
  return 'jepsen';
}

const LOG_LINE = /^\S+\s+jepsen\.util\s+-\s+(\d+)\s+:(\w+)\s+:(\S+)\s+(.*?)\s*$/;

/** Jepsen's log lines: `INFO  jepsen.util - 3	:invoke	:write	4` (tabs or spaces). */
export function parseJepsenLog(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  lines(text).forEach(([line, number]) => {
    const m = LOG_LINE.exec(line);
    if (m === null) throw new HistoryError(`not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>"): ${clip(line)}`, number);
    const type = eventType(m[2], number);
    const value = new EdnReader(m[4], number).readValue();
    if (value instanceof Map) throw new HistoryError('a map is not a value an operation can take', number);
    events.push({ process: Number(m[1]), type, f: m[3], value: type !== 'invoke' && value === ':timed-out' ? null : value });
  });
  return events;
}

/** One EDN map per line: `{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}`; a surrounding vector is allowed. */
export function parseEdnHistory(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const reader = new EdnReader(text.trim().replace(/^\[/, '').replace(/\]$/, ''), 1);
  reader.skipSpace();
  while (!reader.done) {
    const line = reader.line;
    const map = reader.readValue();
    if (!(map instanceof Map)) throw new HistoryError('expected a map like {:process 0, :type :invoke, :f :read, :value nil}', line);
    events.push(toEvent((k) => map.get(`:${k}`), line, (v) => (typeof v === 'string' && v.startsWith(':') ? v.slice(1) : v)));
    reader.skipSpace();
  }
  return events;
}

/** faultline's own: one JSON object per line, `{"process":0,"type":"invoke","f":"write","value":3,"timeUs":1200}`. */
export function parseJsonlHistory(text: string): HistoryEvent[] {
  return lines(text).map(([line, number]) => {
    let object: Record<string, unknown>;
    try {
      object = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new HistoryError(`not JSON: ${(error as Error).message}`, number);
    }
    if (object === null || typeof object !== 'object' || Array.isArray(object)) throw new HistoryError('expected a JSON object per line', number);
    return toEvent((k) => object[k], number, (v) => v);
  });
}

function toEvent(get: (key: string) => unknown, line: number, keyword: (v: unknown) => unknown): HistoryEvent {
  const process = get('process');
  if (typeof process !== 'number' || !Number.isInteger(process)) throw new HistoryError('"process" must be an integer', line);
  const type = keyword(get('type'));
  if (typeof type !== 'string') throw new HistoryError('"type" must be one of invoke, ok, fail, info', line);
  const f = keyword(get('f'));
  if (typeof f !== 'string') throw new HistoryError('"f" must name the operation, like read or write', line);
  const key = get('key');
  if (key !== undefined && key !== null && typeof key !== 'string' && typeof key !== 'number') throw new HistoryError('"key" must be a string or a number', line);
  const time = get('timeUs') ?? get('time');
  if (time !== undefined && (typeof time !== 'number' || !Number.isFinite(time))) throw new HistoryError('"timeUs" must be a number', line);
  const raw = get('value') ?? null;
  const value = type !== 'invoke' && raw === ':timed-out' ? null : (raw as Value);
  return {
    process,
    type: eventType(type, line),
    f,
    ...(key === undefined || key === null ? {} : { key: String(key) }),
    value,
    ...(time === undefined ? {} : { timeUs: time }),
  };
}

function eventType(type: string, line: number): EventType {
  if (!EVENT_TYPES.includes(type)) throw new HistoryError(`unknown event type "${type}" (expected invoke, ok, fail or info)`, line);
  return type as EventType;
}

function lines(text: string): [string, number][] {
  return text
    .split('\n')
    .map((line, i): [string, number] => [line.trim(), i + 1])
    .filter(([line]) => line !== '');
}

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/**
 * The part of EDN histories use: maps, vectors and lists, strings, integers,
 * nil, true/false and keywords (kept as ":name" strings).
 */
class EdnReader {
  private pos = 0;

  constructor(
    private readonly text: string,
    public line: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '\n') this.line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== ',') return;
      this.pos++;
    }
  }

  readValue(): Value | Map<string, Value> {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) throw new HistoryError('unexpected end of input', this.line);
    if (c === '{') return this.readMap();
    if (c === '[' || c === '(') return this.readSequence(c === '[' ? ']' : ')');
    if (c === '"') return this.readString();
    const start = this.pos;
    while (this.pos < this.text.length && !' \t\r\n,{}[]()"'.includes(this.text[this.pos])) this.pos++;
    const token = this.text.slice(start, this.pos);
    if (token === 'nil') return null;
    if (token === 'true' || token === 'false') return token;
    if (/^-?\d+$/.test(token)) return Number(token);
    if (token.startsWith(':')) return token;
    throw new HistoryError(`cannot read ${token === '' ? `"${c}"` : `"${clip(token)}"`} here`, this.line);
  }

  private readMap(): Map<string, Value> {
    this.pos++;
    const map = new Map<string, Value>();
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return map;
      }
      const key = this.readValue();
      if (typeof key !== 'string') throw new HistoryError('map keys must be keywords or strings', this.line);
      const value = this.readValue();
      if (value instanceof Map) throw new HistoryError('nested maps are not supported in a history value', this.line);
      map.set(key, value);
    }
  }

  private readSequence(close: string): Value[] {
    this.pos++;
    const items: Value[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      const item = this.readValue();
      if (item instanceof Map) throw new HistoryError('maps inside a value are not supported', this.line);
      items.push(item);
    }
  }

  private readString(): string {
    let out = '';
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === '"') return out;
      if (c === '\\') {
        const e = this.text[this.pos++];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
      } else {
        if (c === '\n') this.line++;
        out += c;
      }
    }
    throw new HistoryError('a string is not closed', this.line);
  }
}
