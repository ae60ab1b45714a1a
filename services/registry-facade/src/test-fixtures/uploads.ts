import { request } from 'node:https';
import type { registry } from '@keelson/requests';
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

/** Posts as the api does, over HTTPS trusting the facade's CA when it has one (Node's fetch takes no per-request CA). */
async function post(
  facade: FacadeApp,
  path: string,
  headers: Record<string, string>,
  form: FormData,
): Promise<{ status: number; text: string }> {
  const encoded = new Response(form);
  const body = Buffer.from(await encoded.arrayBuffer());
  const all = { ...headers, 'content-type': encoded.headers.get('content-type')!, 'content-length': String(body.length) };
  if (!facade.ca) {
    const res = await fetch(`${facade.url}${path}`, { method: 'POST', headers: all, body });
    return { status: res.status, text: await res.text() };
  }
  return new Promise((resolve, reject) => {
    const req = request(`${facade.url}${path}`, { method: 'POST', headers: all, ca: facade.ca, agent: false }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (text += c))
        .on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts a form to the internal upload route; returns status and JSON body. */
export async function postUpload(
  facade: FacadeApp,
  fleet: string,
  form: FormData,
  token = internalToken,
): Promise<{ status: number; body: UploadReply }> {
  const res = await post(facade, `/internal/v1/fleets/${fleet}/artifacts`, { authorization: `Bearer ${token}` }, form);
  return { status: res.status, body: JSON.parse(res.text) as UploadReply };
}
