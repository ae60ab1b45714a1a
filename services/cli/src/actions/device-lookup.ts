import { gateway } from '@keelson/requests';
import { CliError } from '../cli-io.js';
import type { ActionContext } from '../action.js';

type DeviceView = gateway.DeviceView;

/** Every device of the fleet with this name, read page by page (names are not unique). */
async function devicesNamed(ctx: ActionContext, name: string): Promise<DeviceView[]> {
  const named: DeviceView[] = [];
  let cursor: string | undefined;
  do {
    const page = gateway.listDevices.output.parse(await ctx.api.send('GET', '/v1/devices', { query: { limit: '1000', cursor } }));
    named.push(...page.items.filter((d) => d.name === name));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return named;
}

/**
 * A device by id, else by name. The API answers a name with one device even when several share it
 * (it prefers the newest active one); the CLI refuses that guess when two devices of the same
 * status (active over decommissioned) carry the name, and names their ids instead (exit 2, like bad usage).
 */
export async function findDevice(ctx: ActionContext, idOrName: string): Promise<DeviceView> {
  const found = gateway.DeviceView.parse(await ctx.api.send('GET', `/v1/devices/${encodeURIComponent(idOrName)}`));
  if (found.deviceId === idOrName) return found; // an id: ids are unique
  const named = await devicesNamed(ctx, idOrName);
  const active = named.filter((d) => d.status === 'active');
  const candidates = active.length ? active : named;
  if (candidates.length <= 1) return found;
  const ids = candidates.map((d) => d.deviceId).join(', ');
  const message = `${candidates.length} ${active.length ? 'active' : 'decommissioned'} devices are named '${idOrName}' (${ids}): give the device id instead`;
  throw new CliError(message, 2, { error: { kind: 'InvalidInput', code: 'device.ambiguous-name', message } });
}
