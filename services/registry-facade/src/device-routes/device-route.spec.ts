import { parseDeviceRoute } from './device-route.js';

const sha = 'ab'.repeat(32);

describe('parseDeviceRoute', () => {
  it('reads a metadata request and a target request, the query ignored', () => {
    expect(parseDeviceRoute('GET', '/v1/fleets/plant-7/tuf/3.snapshot.json?x=1')).toEqual({
      what: 'metadata',
      fleet: 'plant-7',
      file: '3.snapshot.json',
    });
    expect(parseDeviceRoute('HEAD', `/v1/fleets/plant-7/targets/model/yolo/2.1.0/${sha}.m.onnx`)).toEqual({
      what: 'target',
      fleet: 'plant-7',
      kind: 'model',
      name: 'yolo',
      version: '2.1.0',
      file: `${sha}.m.onnx`,
    });
  });

  it('decodes each segment as express decodes route parameters, so an escaped slash stays inside its segment', () => {
    expect(parseDeviceRoute('GET', '/v1/fleets/plant%2D7/tuf/..%2F..%2Fetc')).toEqual({
      what: 'metadata',
      fleet: 'plant-7',
      file: '../../etc',
    });
  });

  describe('leaves to the Nest app', () => {
    it.each([
      ['POST', '/v1/fleets/plant-7/tuf/timestamp.json'],
      ['DELETE', `/v1/fleets/plant-7/targets/model/yolo/2.1.0/${sha}.m.onnx`],
      ['GET', '/healthz'],
      ['GET', '/internal/v1/fleets/plant-7/artifacts'],
      ['GET', '/v1/fleets/plant-7/tuf/'],
      ['GET', '/v1/fleets/plant-7/tuf/a/b'],
      ['GET', '/v1/fleets/plant-7/tuf/timestamp.json/'],
      ['GET', '/v1/fleets/plant-7/tuf/../targets/x'],
      ['GET', `/v1/fleets/plant-7/targets/model/yolo/${sha}.m.onnx`],
      ['GET', '/v1/fleets/plant-7/tuf/%E0%A4%A'],
      ['GET', undefined],
    ])('%s %s', (method, url) => {
      expect(parseDeviceRoute(method, url)).toBeNull();
    });
  });
});
