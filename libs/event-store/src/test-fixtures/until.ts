/** Waits until `check` holds, polling every `everyMs`; throws after `ms`. For this library's specs. */
export async function until(check: () => boolean, ms = 10_000, everyMs = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
