import { decodeKept, encodeKept, type KeptDocuments } from './kept-metadata-file.js';

describe('the kept metadata file', () => {
  const documents: KeptDocuments = new Map([
    ['timestamp', Buffer.from('{"signed":{"_type":"timestamp"}}')],
    ['snapshot', Buffer.from('{"signed":{"_type":"snapshot","meta":{"é":1}}}')],
    ['bins-3f', Buffer.alloc(0)],
  ]);
  const file = encodeKept(documents);

  it('gives back every document byte for byte, in order', () => {
    expect(decodeKept(file)).toEqual(documents);
    expect([...decodeKept(file)!.keys()]).toEqual(['timestamp', 'snapshot', 'bins-3f']);
  });

  it('is refused when it is not whole: cut short, grown, or of another format', () => {
    expect(decodeKept(file.subarray(0, file.length - 1))).toBeNull();
    expect(decodeKept(Buffer.concat([file, Buffer.from('x')]))).toBeNull();
    expect(decodeKept(file.subarray(0, 30))).toBeNull();
    expect(decodeKept(Buffer.from('{"signed":{}}'))).toBeNull();
    expect(decodeKept(Buffer.alloc(0))).toBeNull();
  });

  it('is refused when its header does not name documents and lengths', () => {
    const withHeader = (header: string) => Buffer.from(`keelson-tuf-kept 1\n${header}\n`);
    expect(decodeKept(withHeader('[["timestamp",-1]]'))).toBeNull();
    expect(decodeKept(withHeader('[["timestamp",1.5]]'))).toBeNull();
    expect(decodeKept(withHeader('[[7,0]]'))).toBeNull();
    expect(decodeKept(withHeader('{"timestamp":0}'))).toBeNull();
    expect(decodeKept(withHeader('[["timestamp",0'))).toBeNull();
    expect(decodeKept(withHeader('[]'))).toEqual(new Map());
  });
});
