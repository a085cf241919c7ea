import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

/**
 * Finds where a value of a parsed scenario file came from, following aliases
 * and merge keys (`<<`), so a problem found after parsing can name its line
 * and column.
 */
export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /** The deepest node along `path` (`depth` steps resolved), and the key node of the last step when all of it resolved. */
  lookup(path: readonly PropertyKey[]): { depth: number; node: Node | null; key: Node | null } {
    let node = this.resolve(this.doc.contents as Node | null);
    let key: Node | null = null;
    let depth = 0;
    for (const step of path) {
      const next = this.child(node, step);
      if (next === null) break;
      node = next.value;
      key = next.key;
      depth++;
    }
    return { depth, node, key: depth === path.length ? key : null };
  }

  /** The start of a node, or of the document when there is none. */
  start(node: Node | null): Position {
    return this.position(node?.range?.[0] ?? 0);
  }

  /** The first key of a mapping (where a missing key is reported), or the node itself. */
  firstKey(node: Node | null): Position {
    if (isMap(node) && node.items.length > 0) {
      const first = node.items[0].key as Node | null;
      if (first?.range) return this.start(first);
    }
    return this.start(node);
  }

  /** The path of the innermost key or value written at `offset` (where yaml reports a duplicate key); empty outside any. */
  pathAt(offset: number): (string | number)[] {
    const path: (string | number)[] = [];
    let node = this.doc.contents as Node | null;
    const holds = (n: unknown) =>
      n !== null && typeof n === 'object' && 'range' in n && within((n as Node).range, offset);
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => holds(p.key) || holds(p.value));
        if (pair === undefined || keyText(pair) === undefined) return path;
        path.push(keyText(pair)!);
        if (holds(pair.key)) return path;
        node = pair.value as Node;
      } else if (isSeq(node)) {
        const index = node.items.findIndex(holds);
        if (index < 0) return path;
        path.push(index);
        node = node.items[index] as Node;
      } else {
        return path;
      }
    }
  }

  private resolve(node: Node | null): Node | null {
    let n = node;
    for (let hops = 0; isAlias(n) && hops < 100; hops++) n = (n.resolve(this.doc) as Node | undefined) ?? null;
    return n;
  }

  private child(node: Node | null, step: PropertyKey): { key: Node | null; value: Node | null } | null {
    if (isSeq(node)) {
      const index = typeof step === 'number' ? step : Number(step);
      if (!Number.isInteger(index) || index < 0 || index >= node.items.length) return null;
      return { key: null, value: this.resolve(node.items[index] as Node) };
    }
    if (!isMap(node)) return null;
    const own = node.items.find((p) => keyText(p) === String(step));
    if (own) {
      const value = this.resolve((own.value as Node | null) ?? null);
      // `key:` with nothing after it has an empty value node; its key is the place to point at.
      const empty =
        value === null ||
        (isScalar(value) && value.range !== undefined && value.range !== null && value.range[0] === value.range[1]);
      return { key: own.key as Node, value: empty ? (own.key as Node) : value };
    }
    for (const pair of node.items) {
      if (keyText(pair) !== '<<') continue;
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) {
        const found = this.child(this.resolve(source as Node), step);
        if (found) return found;
      }
    }
    return null;
  }
}

function within(range: Node['range'], offset: number): boolean {
  return range !== undefined && range !== null && range[0] <= offset && offset < Math.max(range[2], range[0] + 1);
}

export function keyText(pair: Pair): string | undefined {
  // yaml parses a merge key to the value Symbol(<<), not the string "<<".
  if (!isScalar(pair.key)) return undefined;
  const value = pair.key.value;
  return typeof value === 'symbol' ? value.description : String(value);
}
