/**
 * Strict JSON (RFC 8259) with positions, and minimal text edits on it.
 *
 * Why not JSON.parse + JSON.stringify: a settings file is the user's, formatted their way. cc-otel
 * must change only the bytes of the keys it owns (style.md habit 10), so edits are splices into the
 * original text, placed and indented like their neighbours. Insertions always append (after the last
 * member / item), and removals of a non-first member take the separator before it, so "insert then
 * remove" gives back the original bytes in the ordinary cases; settings-edit.ts restores the exact
 * original from the install record for the rest.
 *
 * Duplicate keys follow JSON.parse: the last one wins, and that is the one edited.
 */

export interface JsonPos {
  /** offset of the first character */
  start: number;
  /** offset just past the last character */
  end: number;
}
export interface JsonMember {
  key: string;
  keyStart: number;
  keyEnd: number;
  value: JsonNode;
}
export interface JsonObjectNode extends JsonPos {
  type: 'object';
  members: JsonMember[];
}
export interface JsonArrayNode extends JsonPos {
  type: 'array';
  items: JsonNode[];
}
export interface JsonStringNode extends JsonPos {
  type: 'string';
  value: string;
}
export interface JsonNumberNode extends JsonPos {
  type: 'number';
  value: number;
}
export interface JsonBooleanNode extends JsonPos {
  type: 'boolean';
  value: boolean;
}
export interface JsonNullNode extends JsonPos {
  type: 'null';
  value: null;
}
export type JsonNode = JsonObjectNode | JsonArrayNode | JsonStringNode | JsonNumberNode | JsonBooleanNode | JsonNullNode;
export type JsonContainer = JsonObjectNode | JsonArrayNode;
export type JsonPath = ReadonlyArray<string | number>;

export class JsonSyntaxError extends Error {
  readonly offset: number;
  /** 1-based */
  readonly line: number;
  /** 1-based, in UTF-16 code units */
  readonly column: number;
  /** the problem without the position, e.g. "expected ',' or '}'" */
  readonly reason: string;

  constructor(reason: string, text: string, offset: number) {
    const { line, column } = lineColumn(text, offset);
    super(`${reason} at line ${line}, column ${column}`);
    this.name = 'JsonSyntaxError';
    this.reason = reason;
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** Parse a whole document. A leading UTF-8 BOM is tolerated (and kept by the editors). */
export function parseJson(text: string): JsonNode {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (reason: string, at = i): never => {
    throw new JsonSyntaxError(reason, text, at);
  };
  const describe = (at: number): string => {
    if (at >= text.length) return 'unexpected end of file';
    const c = text[at] as string;
    return `unexpected ${c === '\n' || c === '\r' ? 'line break' : JSON.stringify(c)}`;
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  const str = (): JsonStringNode => {
    const start = i;
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c < 0x20) fail('control character in string (escape it)');
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!HEX4.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('invalid escape in string');
      } else i++;
    }
    i++;
    return { type: 'string', start, end: i, value: JSON.parse(text.slice(start, i)) as string };
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const members: JsonMember[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { type: 'object', start, end: i, members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === '}' && members.length ? 'trailing comma' : `${describe(i)}: expected a "key"`);
        const k = str();
        ws();
        if (text[i] !== ':') fail(`${describe(i)}: expected ':' after the key`);
        i++;
        const v = value(depth + 1);
        members.push({ key: k.value, keyStart: k.start, keyEnd: k.end, value: v });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { type: 'object', start, end: i, members };
        }
        fail(`${describe(i)}: expected ',' or '}'`);
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { type: 'array', start, end: i, items };
      }
      for (;;) {
        ws();
        if (text[i] === ']' && items.length) fail('trailing comma');
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { type: 'array', start, end: i, items };
        }
        fail(`${describe(i)}: expected ',' or ']'`);
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) return (i += 4), { type: 'boolean', start, end: i, value: true };
    if (text.startsWith('false', i)) return (i += 5), { type: 'boolean', start, end: i, value: false };
    if (text.startsWith('null', i)) return (i += 4), { type: 'null', start, end: i, value: null };
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && m[0] !== '-') {
      i += m[0].length;
      return { type: 'number', start, end: i, value: Number(m[0]) };
    }
    return fail(i >= text.length ? 'unexpected end of file' : `${describe(i)}: expected a value`);
  };
  const root = value(0);
  ws();
  if (i < text.length) fail(`${describe(i)} after the end of the JSON value`);
  return root;
}

/** The plain value of a node (objects keep source order; "__proto__" stays an ordinary key). */
export function nodeValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const m of node.members) Object.defineProperty(o, m.key, { value: nodeValue(m.value), enumerable: true, writable: true, configurable: true });
      return o;
    }
    case 'array':
      return node.items.map(nodeValue);
    default:
      return node.value;
  }
}

/** The member JSON.parse would keep for `key` (the last duplicate). */
export function findMember(obj: JsonObjectNode, key: string): JsonMember | undefined {
  for (let k = obj.members.length - 1; k >= 0; k--) if (obj.members[k]?.key === key) return obj.members[k];
  return undefined;
}

export function nodeAt(root: JsonNode, path: JsonPath): JsonNode | undefined {
  let n: JsonNode | undefined = root;
  for (const seg of path) {
    if (!n) return undefined;
    if (typeof seg === 'number') n = n.type === 'array' ? n.items[seg] : undefined;
    else n = n.type === 'object' ? findMember(n, seg)?.value : undefined;
  }
  return n;
}

/**
 * Same JSON data, in the same order (objects compare member by member, so a reordering counts as a
 * difference: restoring original bytes must never undo something the user did on purpose).
 */
export function sameJson(a: JsonNode, b: JsonNode): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'object' && b.type === 'object') {
    if (a.members.length !== b.members.length) return false;
    return a.members.every((m, k) => {
      const o = b.members[k] as JsonMember;
      return m.key === o.key && sameJson(m.value, o.value);
    });
  }
  if (a.type === 'array' && b.type === 'array') return a.items.length === b.items.length && a.items.every((x, k) => sameJson(x, b.items[k] as JsonNode));
  return (a as JsonStringNode).value === (b as JsonStringNode).value;
}

// ---------------------------------------------------------------------------------------------
// Formatting

export interface JsonFormat {
  /** one level of indentation: '  ', '    ', '\t', … */
  indent: string;
  eol: '\n' | '\r\n';
  finalNewline: boolean;
}

export const DEFAULT_FORMAT: JsonFormat = { indent: '  ', eol: '\n', finalNewline: true };

/** Indent unit (tabs vs the smallest space step), line ending and final newline of a document. */
export function detectFormat(text: string): JsonFormat {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let tabs = 0;
  let spaces = 0;
  let step = Infinity;
  for (const line of text.split('\n')) {
    const m = /^([ \t]+)\S/.exec(line);
    if (!m) continue;
    const lead = m[1] as string;
    if (lead[0] === '\t') tabs++;
    else {
      spaces++;
      step = Math.min(step, lead.length);
    }
  }
  let indent = DEFAULT_FORMAT.indent;
  if (tabs > spaces) indent = '\t';
  else if (spaces > 0) indent = ' '.repeat(Math.min(step, 8));
  return { indent, eol, finalNewline: /\n$/.test(text) };
}

// ---------------------------------------------------------------------------------------------
// Editing

/**
 * A JSON document edited by splicing text. Every operation re-parses, so a sequence of edits never
 * works on stale offsets (settings files are small).
 */
export class JsonTextDocument {
  private t: string;
  private r: JsonNode;
  readonly format: JsonFormat;

  /** @throws JsonSyntaxError */
  constructor(text: string, format?: JsonFormat) {
    this.t = text;
    this.r = parseJson(text);
    this.format = format ?? detectFormat(text);
  }

  get text(): string {
    return this.t;
  }

  get root(): JsonNode {
    return this.r;
  }

  get(path: JsonPath): JsonNode | undefined {
    return nodeAt(this.r, path);
  }

  /** Exact source text of the node at `path`. */
  raw(path: JsonPath): string | undefined {
    const n = this.get(path);
    return n && this.t.slice(n.start, n.end);
  }

  /**
   * Set the value at `path` (object keys only): replace it in place when it exists, else append a
   * member to the deepest existing object, creating the missing objects on the way in one insertion.
   * @returns the key paths of objects this call created
   */
  set(path: JsonPath, value: unknown): string[][] {
    if (path.length === 0) throw new Error('set: empty path');
    let node: JsonNode = this.r;
    let k = 0;
    for (; k < path.length; k++) {
      const seg = path[k];
      if (typeof seg !== 'string') throw new Error('set: only object keys');
      if (node.type !== 'object') throw new Error(`set: ${JSON.stringify(path.slice(0, k))} is not an object`);
      const m = findMember(node, seg);
      if (!m) break;
      node = m.value;
    }
    if (k === path.length) {
      this.splice(node.start, node.end, this.serializeAt(value, this.inlineDocument() ? null : lineIndent(this.t, node.start)));
      return [];
    }
    const rest = path.slice(k) as string[];
    let nested: unknown = value;
    for (let j = rest.length - 1; j >= 1; j--) nested = { [rest[j] as string]: nested };
    const created: string[][] = [];
    for (let j = k + 1; j < path.length; j++) created.push(path.slice(0, j) as string[]);
    this.insertMember(node as JsonObjectNode, rest[0] as string, nested);
    return created;
  }

  /** Replace the node at `path` with raw JSON text (used to put back a value's exact original bytes). */
  setRaw(path: JsonPath, raw: string): void {
    const n = this.get(path);
    if (!n) throw new Error(`setRaw: nothing at ${JSON.stringify(path)}`);
    parseJson(raw); // must itself be JSON
    this.splice(n.start, n.end, raw);
  }

  /** Append an item to the array at `path`. */
  append(path: JsonPath, value: unknown): void {
    const arr = this.get(path);
    if (!arr || arr.type !== 'array') throw new Error(`append: no array at ${JSON.stringify(path)}`);
    if (arr.items.length === 0) {
      this.fillEmpty(arr, (indent) => this.serializeAt(value, indent));
      return;
    }
    const last = arr.items[arr.items.length - 1] as JsonNode;
    const indent = this.childIndent(arr);
    if (indent === null) this.splice(last.end, last.end, this.inlineComma(arr) + this.serializeAt(value, null));
    else this.splice(last.end, last.end, ',' + this.format.eol + indent + this.serializeAt(value, indent));
  }

  /** Remove the member `path[-1]` of the object at `path[..-1]`, or the item at a numeric last segment. */
  remove(path: JsonPath): void {
    const parentPath = path.slice(0, -1);
    const last = path[path.length - 1];
    const parent = this.get(parentPath);
    if (!parent || last === undefined) throw new Error(`remove: nothing at ${JSON.stringify(path)}`);
    let idx: number;
    let starts: number[];
    let ends: number[];
    if (parent.type === 'object' && typeof last === 'string') {
      idx = -1;
      for (let k = parent.members.length - 1; k >= 0; k--)
        if (parent.members[k]?.key === last) {
          idx = k;
          break;
        }
      starts = parent.members.map((m) => m.keyStart);
      ends = parent.members.map((m) => m.value.end);
    } else if (parent.type === 'array' && typeof last === 'number') {
      idx = last < parent.items.length ? last : -1;
      starts = parent.items.map((n) => n.start);
      ends = parent.items.map((n) => n.end);
    } else throw new Error(`remove: nothing at ${JSON.stringify(path)}`);
    if (idx < 0) throw new Error(`remove: nothing at ${JSON.stringify(path)}`);
    if (starts.length === 1) this.splice(parent.start + 1, parent.end - 1, '');
    else if (idx > 0) this.splice(ends[idx - 1] as number, ends[idx] as number, '');
    else this.splice(starts[0] as number, starts[1] as number, '');
  }

  private insertMember(obj: JsonObjectNode, key: string, value: unknown): void {
    const k = JSON.stringify(key);
    if (obj.members.length === 0) {
      this.fillEmpty(obj, (indent) => k + this.colon() + this.serializeAt(value, indent));
      return;
    }
    const last = obj.members[obj.members.length - 1] as JsonMember;
    const gap = this.t.slice(last.keyEnd, last.value.start);
    const colon = gap.includes('\n') ? this.colon() : gap;
    const indent = this.childIndent(obj);
    const at = last.value.end;
    if (indent === null) this.splice(at, at, this.inlineComma(obj) + k + colon + this.serializeAt(value, null));
    else this.splice(at, at, ',' + this.format.eol + indent + k + colon + this.serializeAt(value, indent));
  }

  /** Put the first member/item into an empty container: expanded when the document is, else inline. */
  private fillEmpty(c: JsonContainer, content: (indent: string | null) => string): void {
    if (this.inlineDocument()) {
      this.splice(c.start + 1, c.end - 1, content(null));
      return;
    }
    const base = lineIndent(this.t, c.start);
    const inner = base + this.format.indent;
    this.splice(c.start + 1, c.end - 1, this.format.eol + inner + content(inner) + this.format.eol + base);
  }

  /** Indentation of the members of a non-empty container, or null when they share one line. */
  private childIndent(c: JsonContainer): string | null {
    const starts = c.type === 'object' ? c.members.map((m) => m.keyStart) : c.items.map((n) => n.start);
    const ends = c.type === 'object' ? c.members.map((m) => m.value.end) : c.items.map((n) => n.end);
    for (let k = starts.length - 1; k >= 0; k--) {
      const gap = this.t.slice(k === 0 ? c.start + 1 : (ends[k - 1] as number), starts[k] as number);
      const nl = gap.lastIndexOf('\n');
      if (nl >= 0) return /^[ \t]*/.exec(gap.slice(nl + 1))?.[0] ?? '';
    }
    return null;
  }

  /** A one-line document with content: keep new values on that line too. */
  private inlineDocument(): boolean {
    const r = this.r;
    const hasContent = r.type === 'object' ? r.members.length > 0 : r.type === 'array' ? r.items.length > 0 : true;
    return hasContent && !this.t.slice(r.start, r.end).includes('\n');
  }

  /** The ':' separator the document uses (copied from its first member), ': ' by default. */
  private colon(): string {
    const m = firstMember(this.r);
    if (!m) return ': ';
    const gap = this.t.slice(m.keyEnd, m.value.start);
    return gap.includes('\n') ? ': ' : gap;
  }

  private inlineComma(c: JsonContainer): string {
    const starts = c.type === 'object' ? c.members.map((m) => m.keyStart) : c.items.map((n) => n.start);
    const ends = c.type === 'object' ? c.members.map((m) => m.value.end) : c.items.map((n) => n.end);
    if (starts.length >= 2) return this.t.slice(ends[0] as number, starts[1] as number);
    return this.colon().endsWith(' ') ? ', ' : ',';
  }

  /** Pretty-printed for a value starting on a line indented by `indent`; one line when null. */
  private serializeAt(value: unknown, indent: string | null): string {
    if (indent === null) return this.serializeInline(value);
    const s = JSON.stringify(value, null, this.format.indent);
    if (s === undefined) throw new Error('cannot serialise undefined');
    return s.replace(/\n/g, this.format.eol + indent);
  }

  private serializeInline(value: unknown): string {
    const colon = this.colon();
    const comma = colon.endsWith(' ') ? ', ' : ',';
    const walk = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(walk).join(comma)}]`;
      if (v !== null && typeof v === 'object')
        return `{${Object.entries(v)
          .map(([k, x]) => JSON.stringify(k) + colon + walk(x))
          .join(comma)}}`;
      const s = JSON.stringify(v);
      if (s === undefined) throw new Error('cannot serialise undefined');
      return s;
    };
    return walk(value);
  }

  private splice(from: number, to: number, text: string): void {
    const next = this.t.slice(0, from) + text + this.t.slice(to);
    this.r = parseJson(next); // an edit that breaks the document is a bug here: fail before anyone writes it
    this.t = next;
  }
}

function firstMember(n: JsonNode): JsonMember | undefined {
  if (n.type === 'object') {
    for (const m of n.members) return m;
  }
  const kids = n.type === 'object' ? n.members.map((m) => m.value) : n.type === 'array' ? n.items : [];
  for (const k of kids) {
    const f = firstMember(k);
    if (f) return f;
  }
  return undefined;
}

/** The whitespace that starts the line `offset` is on. */
function lineIndent(text: string, offset: number): string {
  const ls = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(ls, offset));
  return m ? m[0] : '';
}
