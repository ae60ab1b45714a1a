import { artifactIdOf, isSafeBasename, parseTargetPath, targetPathOf } from './artifact-id.js';

describe('artifact ids and target paths', () => {
  it('derives one subject-safe id per name@version, the same every time', () => {
    const id = artifactIdOf('yolo-v8n', '2.1.0');
    expect(id).toMatch(/^a-[0-9a-f]{16}$/);
    expect(artifactIdOf('yolo-v8n', '2.1.0')).toBe(id);
    expect(artifactIdOf('yolo-v8n', '2.1.1')).not.toBe(id);
    // The separator keeps `a@1.0` and `a1@.0`-like splits apart.
    expect(artifactIdOf('a', '10.0')).not.toBe(artifactIdOf('a1', '0.0'));
  });

  it('reads back the parts of a path it builds', () => {
    const path = targetPathOf('model', 'yolo-v8n', '2.1.0', 'model.onnx');
    expect(path).toBe('model/yolo-v8n/2.1.0/model.onnx');
    expect(parseTargetPath(path)).toEqual({ kind: 'model', name: 'yolo-v8n', version: '2.1.0', basename: 'model.onnx' });
  });

  it('refuses paths it would never have written', () => {
    for (const path of [
      'model/yolo/2.1.0',
      'os/yolo/2.1.0/x.bin',
      'model/YOLO/2.1.0/x',
      'model/yolo/2.1.0/.hidden',
      'model/yolo/2.1.0/a/b',
      'model/yolo/../x',
    ]) {
      expect([path, parseTargetPath(path)]).toEqual([path, null]);
    }
  });

  it('accepts plain file names and refuses hidden, traversing or exotic ones', () => {
    expect(['model.onnx', 'weights_v2.tflite', 'config-a.yaml', 'README'].every(isSafeBasename)).toBe(true);
    expect(['', '.env', '..', 'a/b', 'a\\b', 'mödel.onnx', 'a b', 'x'.repeat(201)].some(isSafeBasename)).toBe(false);
  });
});
