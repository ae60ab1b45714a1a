/**
 * A fleet's targets live in hash bins (services/signer README): a device fetches the bin of the
 * target it installs, `<N>.bins-<hex>.json`, and that is where a man in the middle meets it.
 * Groups: the version, the bin's role name.
 */
export const binFile = /\/(\d+)\.(bins-[0-9a-f]+)\.json$/;

/**
 * Version 1 of every one of the fleet's 256 bins (the signer's default), as the facade serves them
 * to the device, fetched through `proxyUrl` (the metadata proxy, which speaks as the device): each
 * exists, empty, from the repository's start, signed by the targets key of that time. What an
 * attacker replays as an older bin, or as one signed by a revoked key.
 */
export async function firstBinVersions(proxyUrl: string): Promise<Map<string, Buffer>> {
  const bins = new Map<string, Buffer>();
  for (let i = 0; i < 256; i++) {
    const bin = `bins-${i.toString(16).padStart(2, '0')}`;
    const res = await fetch(`${proxyUrl}/v1/fleets/default/tuf/1.${bin}.json`);
    if (res.status !== 200) throw new Error(`1.${bin}.json answered ${res.status}`);
    bins.set(bin, Buffer.from(await res.arrayBuffer()));
  }
  return bins;
}
