import { CliError } from '../cli-io.js';
import { parseLabels } from './labels-flag.js';

describe('--labels', () => {
  it('reads the console form: comma-separated key=value, spaces around either ignored', () => {
    expect(parseLabels('site=north, line=2')).toEqual({ site: 'north', line: '2' });
    expect(parseLabels(' team/vision = edge , zone=,')).toEqual({ 'team/vision': 'edge', zone: '' });
    expect(parseLabels('url=http://x/?a=b')).toEqual({ url: 'http://x/?a=b' }); // the first = splits
  });

  it.each([
    ['a pair without =', 'site', /'site' is not key=value/],
    ['a pair without a key', 'site=north, =2', /'=2' is not key=value/],
    ['a key given twice', 'site=north, site=south', /'site' is given twice/],
    ['a key with a space', 'my site=north', /'my site' is not a label key/],
    ['a key not starting with a letter or digit', '-site=north', /'-site' is not a label key/],
    ['a value over 255 characters', `note=${'x'.repeat(256)}`, /value of 'note' is too long/],
    ['nothing', '', /at least one key=value/],
    ['only commas', ' , ', /at least one key=value/],
  ])('refuses %s as a usage error', (_, text, message) => {
    expect(() => parseLabels(text)).toThrow(message);
    expect(() => parseLabels(text)).toThrow(CliError);
  });
});
