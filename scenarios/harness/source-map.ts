import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';

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

  private readonly indexes = new WeakMap<YAMLMap, Map<string, Pair>>();

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

  /** A mapping's pairs by key text (the first of duplicates), built once: looking up many keys stays linear. */
  private pairs(node: YAMLMap): Map<string, Pair> {
    let index = this.indexes.get(node);
    if (index === undefined) {
      index = new Map();
      for (const pair of node.items) {
        const text = keyText(pair);
        if (text !== undefined && !index.has(text)) index.set(text, pair);
      }
      this.indexes.set(node, index);
    }
    return index;
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
    const own = this.pairs(node).get(String(step));
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

export function keyText(pair: Pair): string | undefined {
  // yaml parses a merge key to the value Symbol(<<), not the string "<<".
  if (!isScalar(pair.key)) return undefined;
  const value = pair.key.value;
  return typeof value === 'symbol' ? value.description : String(value);
}
