import { InvalidInput } from '@keelson/domain-kit';
import { parseSelector } from './device-selector.js';

describe('capability selectors', () => {
  describe('when parsing', () => {
    it('reads hardware fields and labels, with every operator', () => {
      expect(
        parseSelector(
          'accelerator=jetson-orin, memoryMb>=8000, site != lab, labels.accelerator=x, hardware.architecture=arm64, tier<3, tier>0, tier<=2',
        ),
      ).toEqual([
        { source: 'hardware', key: 'accelerator', op: '=', value: 'jetson-orin' },
        { source: 'hardware', key: 'memoryMb', op: '>=', value: '8000' },
        { source: 'label', key: 'site', op: '!=', value: 'lab' },
        { source: 'label', key: 'accelerator', op: '=', value: 'x' },
        { source: 'hardware', key: 'architecture', op: '=', value: 'arm64' },
        { source: 'label', key: 'tier', op: '<', value: '3' },
        { source: 'label', key: 'tier', op: '>', value: '0' },
        { source: 'label', key: 'tier', op: '<=', value: '2' },
      ]);
    });

    it.each([
      ['accelerator', /expected <key><op><value>/],
      ['memoryMb>=lots', /compares numbers/],
      ['memoryMb=big', /memoryMb is a number/],
      ['accelerator>=3', /accelerator is text/],
      ['hardware.gpu=rtx', /unknown hardware field 'gpu'/],
      ['site=a,,tier=2', /clause 2 '': empty clause/],
      ['memoryMb>>8000', /starts with an operator/],
      ['=x', /expected <key><op><value>/],
    ])('refuses %s with a message naming the clause', (selector, message) => {
      expect(() => parseSelector(selector)).toThrow(InvalidInput);
      expect(() => parseSelector(selector)).toThrow(message);
    });

    it('says which clause is at fault', () => {
      try {
        parseSelector('accelerator=jetson-orin, memoryMb>=eight');
        throw new Error('not refused');
      } catch (err) {
        expect(err).toMatchObject({
          code: 'selector.invalid',
          issues: [{ path: ['selector', 1], message: expect.stringMatching(/^clause 2 'memoryMb>=eight'/) }],
        });
      }
    });
  });
});
