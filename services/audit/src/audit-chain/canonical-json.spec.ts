import { CanonicalText, canonicalJson } from './canonical-json.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' } })).toBe('{"a":{"c":"x","d":[true,null]},"b":1}');
  });

  it('writes the same text for the same value whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: { p: 2, q: 3 } })).toBe(canonicalJson({ y: { q: 3, p: 2 }, x: 1 }));
  });

  it('leaves out undefined fields, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 0.25 })).toBe('{"b":0.25}');
  });

  it('escapes strings as JSON does, control characters included', () => {
    expect(canonicalJson({ s: 'a"\u0000é' })).toBe('{"s":"a\\"\\u0000é"}');
  });

  it('puts text already written as canonical JSON in place as it stands', () => {
    const data = { z: [1, { b: null, a: 'x' }] };
    const entry = { type: 'T', data: new CanonicalText(canonicalJson(data)), actor: 'operator:a' };
    expect(canonicalJson(entry)).toBe(canonicalJson({ ...entry, data }));
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });
});
