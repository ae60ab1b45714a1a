import { parseMetadataFile } from './tuf-metadata.store.js';

describe('metadata file names', () => {
  it('reads the names a TUF client asks for with consistent snapshots', () => {
    expect(parseMetadataFile('1.root.json')).toEqual({ role: 'root', version: 1 });
    expect(parseMetadataFile('12.targets.json')).toEqual({ role: 'targets', version: 12 });
    expect(parseMetadataFile('3.snapshot.json')).toEqual({ role: 'snapshot', version: 3 });
    expect(parseMetadataFile('timestamp.json')).toEqual({ role: 'timestamp' });
  });

  it('refuses everything else', () => {
    for (const name of ['root.json', '0.root.json', '01.root.json', '1.timestamp.json', '1.mirrors.json', '1.root.json.bak', '../1.root.json', '1234567890.root.json']) {
      expect([name, parseMetadataFile(name)]).toEqual([name, null]);
    }
  });
});
