import { join } from 'node:path';
import { operatorTokenMinter, startSimulatedFleet, type SimulatedFleet } from '../../../services/agent/src/index.js';
import { eventually, modelManifest } from '../operator.js';
import type { TestPlatform } from '../test-platform.js';

/** Simulated devices enrolled into `fleet` (not `default`) with tokens minted through the API (`?fleet=`). */
export function startSecondFleet(platform: TestPlatform, fleet: string, count: number): Promise<SimulatedFleet> {
  return startSimulatedFleet({
    count,
    namePrefix: `${fleet}-`,
    dataDir: join(platform.home, `sim-${fleet}`),
    heartbeatSeconds: 5,
    mintToken: operatorTokenMinter(platform.apiUrl, platform.adminToken, fleet),
  });
}

/** `POST /v1/artifacts?fleet=<fleet>` (multipart, fields first) and waits until the signer signed it. */
export async function publishToFleet(
  platform: TestPlatform,
  fleet: string,
  name: string,
  version: string,
  bytes: string,
): Promise<{ sha256: string; targetPath: string }> {
  const form = new FormData();
  for (const [field, value] of [
    ['name', name],
    ['version', version],
    ['kind', 'model'],
    ['manifest', JSON.stringify(modelManifest)],
  ])
    form.set(field!, value!);
  form.set('file', new Blob([bytes]), 'model.onnx');
  const res = await fetch(`${platform.apiUrl}/v1/artifacts?fleet=${fleet}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.adminToken}` },
    body: form,
  });
  const body = (await res.json()) as { sha256: string; targetPath: string };
  if (res.status !== 201) throw new Error(`push to ${fleet} answered ${res.status}: ${JSON.stringify(body)}`);
  await eventually(`${name}@${version} published in ${fleet}`, async () => {
    const { body: view } = await platform.api<{ status: string }>(`/v1/artifacts/${name}/${version}?fleet=${fleet}`);
    return view.status === 'published' ? true : undefined;
  });
  return body;
}
