/** Keelson's own counters (`keelson_*`) from each service's `/metrics`, so the report can show what each stage did. */
export async function keelsonCounters(services: Record<string, { url: string } | undefined>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [name, service] of Object.entries(services)) {
    if (!service) continue;
    try {
      const res = await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(5000) });
      const lines = (await res.text()).split('\n').filter((l) => l.startsWith('keelson_') && !/ 0$/.test(l));
      if (lines.length > 0) out[name] = lines;
    } catch {
      // a service without metrics at this moment: the report just lacks its counters
    }
  }
  return out;
}
