import { describe, expect, it } from 'vitest';
import { parseJsonPointer, resolveJsonPointer } from '../../src/text/json-pointer.js';

describe('JSON pointer (RFC 6901)', () => {
  it.each([
    ['/data/seq', ['data', 'seq']],
    ['/a~1b', ['a/b']],
    ['/m~0n', ['m~n']],
    ['/~01', ['~1']],
    ['/', ['']],
    ['/items/0', ['items', '0']],
  ])('parses %s', (text, tokens) => {
    expect(parseJsonPointer(text)).toEqual(tokens);
  });

  it.each([[''], ['data/seq'], ['/a~2'], ['/a~'], ['#/data']])('refuses %j', (text) => {
    expect(parseJsonPointer(text)).toBeNull();
  });

  it('resolves the RFC 6901 examples', () => {
    const doc = JSON.parse('{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\\\j":5,"k\\"l":6," ":7,"m~n":8}') as unknown;
    const at = (p: string): unknown => resolveJsonPointer(doc, parseJsonPointer(p) ?? []);
    expect(at('/foo')).toEqual(['bar', 'baz']);
    expect(at('/foo/0')).toBe('bar');
    expect(at('/')).toBe(0);
    expect(at('/a~1b')).toBe(1);
    expect(at('/c%d')).toBe(2);
    expect(at('/i\\j')).toBe(5);
    expect(at('/k"l')).toBe(6);
    expect(at('/ ')).toBe(7);
    expect(at('/m~0n')).toBe(8);
    expect(at('/foo/2')).toBeUndefined();
    expect(at('/foo/-')).toBeUndefined();
    expect(at('/foo/01')).toBeUndefined();
    expect(at('/nope/x')).toBeUndefined();
    expect(at('/foo/0/x')).toBeUndefined();
  });
});
