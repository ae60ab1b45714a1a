import { registry } from '@keelson/requests';
import { CliError, usageError } from '../cli-io.js';
import { flag, type ActionContext } from '../action.js';

const pollMs = 250;

/** `--wait-seconds N` (default 60): how long `artifact push` waits for the signer; `--no-wait` is 0. */
export function signingWaitSeconds(ctx: ActionContext): number {
  if (ctx.values['no-wait'] === true) return 0;
  const given = flag(ctx, 'wait-seconds');
  if (given === undefined) return 60;
  const seconds = Number(given);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600)
    throw usageError(`--wait-seconds must be a whole number of seconds from 0 to 3600, not '${given}'`);
  return seconds;
}

const notFound = (err: unknown) =>
  err instanceof CliError && (err.body as { error?: { kind?: string } } | undefined)?.error?.kind === 'NotFound';

/** The registry's view of the artifact; undefined while its read model has not caught up with the upload. */
async function readBack(ctx: ActionContext, view: registry.ArtifactView): Promise<registry.ArtifactView | undefined> {
  const path = `/v1/artifacts/${encodeURIComponent(view.name)}/${encodeURIComponent(view.version)}`;
  try {
    return registry.ArtifactView.parse(await ctx.api.send('GET', path));
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

/**
 * Follows a pushed artifact until the signer has published it (signed into the fleet's TUF
 * targets) or rejected it, so that the next command (`rollout create`) can bind it. A rejection and
 * a wait that runs out are errors that say what to do next; the artifact itself stays as it is.
 */
export async function untilSigned(ctx: ActionContext, pushed: registry.ArtifactView, seconds: number): Promise<registry.ArtifactView> {
  const deadline = Date.now() + seconds * 1000;
  let view = pushed;
  while (view.status === 'received' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    view = (await readBack(ctx, view)) ?? view;
  }
  const name = `${view.name}@${view.version}`;
  if (view.status === 'rejected') throw new CliError(`${name} was rejected: ${view.rejectedReason ?? 'no reason given'}`, 1, view);
  if (view.status === 'received' && seconds > 0) {
    throw new CliError(
      `${name} is stored but not signed after ${seconds} s; is the signer running? \`keelson artifact list --name ${view.name}\` shows when it is published`,
      1,
      view,
    );
  }
  return view;
}
