import { parseMetadataFile } from './tuf-metadata.store.js';

describe('metadata file names', () => {
  it('reads the names a TUF client asks for with consistent snapshots', () => {
    expect(parseMetadataFile('1.root.json')).toEqual({ role: 'root', version: 1 });
    expect(parseMetadataFile('12.targets.json')).toEqual({ role: 'targets', version: 12 });
    expect(parseMetadataFile('3.snapshot.json')).toEqual({ role: 'snapshot', version: 3 });
    expect(parseMetadataFile('timestamp.json')).toEqual({ role: 'timestamp' });
    expect(parseMetadataFile('7.bins-1f.json')).toEqual({ role: 'bins-1f', version: 7 });
    expect(parseMetadataFile('1.bins-0.json')).toEqual({ role: 'bins-0', version: 1 });
  });

  it('refuses everything else', () => {
    for (const name of [
      'root.json',
      '0.root.json',
      '01.root.json',
      '1.timestamp.json',
      '1.mirrors.json',
      '1.root.json.bak',
      '../1.root.json',
      '1234567890.root.json',
      '1.bins-1F.json',
      '1.bins.json',
      '1.bins-.json',
      '1.bins-xy.json',
      '1.-00.json',
      '1.bins-00.json/..',
      '1.targets-00-00.json',
      'bins-00.json',
    ]) {
      expect([name, parseMetadataFile(name)]).toEqual([name, null]);
    }
  });
});
