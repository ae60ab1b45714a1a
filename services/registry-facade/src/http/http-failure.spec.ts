import { HttpFailure, notServed } from './http-failure.js';

describe('notServed', () => {
  it('is a 404 NotFound with the code and message given, made without a stack trace', () => {
    const failure = notServed('tuf.metadata-not-found', "no metadata '2.root.json' in this fleet's repository");
    expect(failure).toBeInstanceOf(HttpFailure);
    expect([failure.status, failure.body]).toEqual([
      404,
      { kind: 'NotFound', code: 'tuf.metadata-not-found', message: "no metadata '2.root.json' in this fleet's repository" },
    ]);
    expect(failure.stack?.split('\n')).toEqual([`HttpFailure: ${failure.message}`]);
  });

  it('leaves other errors their stack traces', () => {
    notServed('target.not-found', 'no such target in this fleet');
    expect(new HttpFailure(403, { kind: 'Forbidden', code: 'x', message: 'y' }).stack?.split('\n').length).toBeGreaterThan(1);
    expect(new Error('z').stack?.split('\n').length).toBeGreaterThan(1);
  });
});
