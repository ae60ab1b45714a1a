import type { Assignment } from '@keelson/events';

/** A valid install assignment of `name@version` for specs of the device half of the gateway. */
export function assignment(assignmentId: string, name = 'yolo-v8n', version = '2.1.0', rolloutId = 'r-1'): Assignment {
  return {
    assignmentId,
    rolloutId,
    action: 'install',
    artifact: { name, version, kind: 'model', targetPath: `model/${name}/${version}/model.onnx`, sha256: 'b'.repeat(64), length: 10 },
    probe: { kind: 'file', path: '/run/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 },
  };
}
