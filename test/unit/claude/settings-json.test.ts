import { describe, expect, test } from 'vitest';
import { JsonSyntaxError, JsonTextDocument, detectFormat, nodeValue, parseJson, sameJson } from '../../../src/claude/settings-json.js';

describe('parseJson agrees with JSON.parse', () => {
  test.each([
    '{}',
    '[]',
    ' { "a" : 1 , "b" : [ true , false , null ] } ',
    '{"a":{"b":{"c":[1,-2.5e3,0.1,1E+2,"x"]}}}',
    '"\\u00e9\\n\\"\\\\\\/\\b\\f\\r\\t"',
    '{"é": "ü", "🙂": ["日本"], "__proto__": 1}',
    '{"a": 1, "a": 2}',
    '\r\n{\r\n\t"a": [\r\n\t\t1\r\n\t]\r\n}\r\n',
    '-0',
    '12345678901234567890',
  ])('%j', (text) => {
    expect(JSON.stringify(nodeValue(parseJson(text)))).toBe(JSON.stringify(JSON.parse(text)));
  });

  test('"__proto__" stays an own key', () => {
    const v = nodeValue(parseJson('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a UTF-8 BOM is tolerated', () => {
    expect(nodeValue(parseJson('\uFEFF{"a": 1}'))).toEqual({ a: 1 });
  });
});

describe('parseJson rejects what JSON.parse rejects, saying where', () => {
  test.each([
    ['', 1, 1, 'unexpected end of file'],
    ['{', 1, 2, 'expected a "key"'],
    ['{"a": 1,}', 1, 9, 'trailing comma'],
    ['[1, 2,]', 1, 7, 'trailing comma'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}'"],
    ['{"a" 1}', 1, 6, "expected ':'"],
    ["{'a': 1}", 1, 2, 'expected a "key"'],
    ['{"a": 01}', 1, 8, "expected ',' or '}'"],
    ['{"a": .5}', 1, 7, 'expected a value'],
    ['{"a": tru}', 1, 7, 'expected a value'],
    ['{"a": "x\ty"}', 1, 9, 'control character'],
    ['{"a": "\\x"}', 1, 8, 'invalid escape'],
    ['{"a": "\\u12"}', 1, 8, 'invalid \\u escape'],
    ['{"a": "open', 1, 7, 'unterminated string'],
    ['{} {}', 1, 4, 'after the end of the JSON value'],
    ['// comment\n{}', 1, 1, 'expected a value'],
    ['{"a": NaN}', 1, 7, 'expected a value'],
    ['{"a": -}', 1, 7, 'expected a value'],
  ])('%j → line %i, column %i', (text, line, column, reason) => {
    expect(() => JSON.parse(text)).toThrow();
    let err: unknown;
    try {
      parseJson(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonSyntaxError);
    const e = err as JsonSyntaxError;
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.message).toContain(reason);
    expect(e.message).toContain(`line ${line}, column ${column}`);
  });
});

describe('detectFormat', () => {
  test.each([
    ['{}', '  ', '\n', false],
    ['{}\n', '  ', '\n', true],
    ['{\n  "a": {\n    "b": 1\n  }\n}\n', '  ', '\n', true],
    ['{\n    "a": 1\n}', '    ', '\n', false],
    ['{\n\t"a": {\n\t\t"b": 1\n\t}\n}\n', '\t', '\n', true],
    ['{\r\n   "a": 1\r\n}\r\n', '   ', '\r\n', true],
  ])('%j', (text, indent, eol, finalNewline) => {
    expect(detectFormat(text)).toEqual({ indent, eol, finalNewline });
  });
});

describe('JsonTextDocument edits', () => {
  test('set appends a member indented like its siblings, and remove takes exactly it back', () => {
    const text = '{\n    "model": "opus",\n    "env": {\n        "A": "1"\n    }\n}\n';
    const d = new JsonTextDocument(text);
    d.set(['env', 'B'], '2');
    expect(d.text).toBe('{\n    "model": "opus",\n    "env": {\n        "A": "1",\n        "B": "2"\n    }\n}\n');
    d.remove(['env', 'B']);
    expect(d.text).toBe(text);
  });

  test('set creates missing objects in one insertion and reports them', () => {
    const d = new JsonTextDocument('{\n\t"a": 1\n}');
    expect(d.set(['hooks', 'SessionStart'], [{ hooks: [] }])).toEqual([['hooks']]);
    expect(d.text).toBe('{\n\t"a": 1,\n\t"hooks": {\n\t\t"SessionStart": [\n\t\t\t{\n\t\t\t\t"hooks": []\n\t\t\t}\n\t\t]\n\t}\n}');
  });

  test('set replaces an existing value in place', () => {
    const d = new JsonTextDocument('{"env": {"A": "1", "B": "2"}}');
    d.set(['env', 'A'], 'x');
    expect(d.text).toBe('{"env": {"A": "x", "B": "2"}}');
  });

  test('a one-line document stays on one line, with its own separators', () => {
    const d = new JsonTextDocument('{"a":1,"b":[1,2]}');
    d.set(['env', 'K'], 'v');
    expect(d.text).toBe('{"a":1,"b":[1,2],"env":{"K":"v"}}');
    d.append(['b'], { x: [3] });
    expect(d.text).toBe('{"a":1,"b":[1,2,{"x":[3]}],"env":{"K":"v"}}');
    d.remove(['b', 2]);
    d.remove(['env']);
    expect(d.text).toBe('{"a":1,"b":[1,2]}');
  });

  test('an empty {} document expands', () => {
    const d = new JsonTextDocument('{}');
    d.set(['env', 'K'], 'v');
    expect(d.text).toBe('{\n  "env": {\n    "K": "v"\n  }\n}');
    d.remove(['env']);
    expect(d.text).toBe('{}');
  });

  test('CRLF line endings are kept', () => {
    const d = new JsonTextDocument('{\r\n  "a": 1\r\n}\r\n');
    d.set(['env', 'K'], 'v');
    expect(d.text).toBe('{\r\n  "a": 1,\r\n  "env": {\r\n    "K": "v"\r\n  }\r\n}\r\n');
  });

  test('remove of a first member takes the separator after it', () => {
    const d = new JsonTextDocument('{ "a": 1, "b": 2, "c": 3 }');
    d.remove(['a']);
    expect(d.text).toBe('{ "b": 2, "c": 3 }');
    d.remove(['c']);
    expect(d.text).toBe('{ "b": 2 }');
    d.remove(['b']);
    expect(d.text).toBe('{}');
  });

  test('setRaw puts back exact bytes', () => {
    const d = new JsonTextDocument('{"env": {"A": "\\u00e9"}}');
    const raw = d.raw(['env', 'A']) as string;
    d.set(['env', 'A'], 'new');
    d.setRaw(['env', 'A'], raw);
    expect(d.text).toBe('{"env": {"A": "\\u00e9"}}');
  });

  test('duplicate keys: the last one (the one JSON.parse keeps) is edited', () => {
    const d = new JsonTextDocument('{"a": 1, "a": 2}');
    d.set(['a'], 3);
    expect(d.text).toBe('{"a": 1, "a": 3}');
  });

  test('sameJson compares data and order, not formatting', () => {
    expect(sameJson(parseJson('{"a": [1, {"b": "\\u0041"}]}'), parseJson('{\n "a":[1,{"b":"A"}]}'))).toBe(true);
    expect(sameJson(parseJson('{"a": 1, "b": 2}'), parseJson('{"b": 2, "a": 1}'))).toBe(false);
    expect(sameJson(parseJson('{"a": 1}'), parseJson('{"a": "1"}'))).toBe(false);
  });
});
