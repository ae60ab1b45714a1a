import type { registry } from '@keelson/commands';
import { internalToken, type FacadeApp } from './facade-app.js';

/** What the upload route answers: the artifact, or the facade's error body. */
export type UploadReply = Partial<registry.ArtifactView> & {
  error?: { kind: string; code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
};

export const modelManifest = {
  kind: 'model',
  framework: 'onnx',
  inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
  metrics: { 'mAP50-95': 0.373 },
  hardware: { accelerator: 'jetson-orin-nano', architectures: ['arm64'] },
} as const;

export interface UploadParts {
  name?: string;
  version?: string;
  kind?: string;
  manifest?: string;
  filename?: string;
  bytes?: Uint8Array;
}

/** A multipart form as the api forwards it: the four text fields first, then the file. */
export function uploadForm(parts: UploadParts = {}): FormData {
  const form = new FormData();
  const fields = { name: 'yolo-v8n', version: '2.1.0', kind: 'model', manifest: JSON.stringify(modelManifest), ...parts };
  for (const key of ['name', 'version', 'kind', 'manifest'] as const) if (fields[key] !== undefined) form.append(key, fields[key]);
  form.append('file', new Blob([parts.bytes ?? new Uint8Array([1, 2, 3])]), parts.filename ?? 'model.onnx');
  return form;
}

/** Posts a form to the internal upload route; returns status and JSON body. */
export async function postUpload(facade: FacadeApp, fleet: string, form: FormData, token = internalToken): Promise<{ status: number; body: UploadReply }> {
  const res = await fetch(`${facade.url}/internal/v1/fleets/${fleet}/artifacts`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, body: (await res.json()) as UploadReply };
}
