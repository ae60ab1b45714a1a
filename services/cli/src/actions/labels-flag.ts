import { Labels } from '@keelson/events';
import { usageError } from '../cli-io.js';

/**
 * `--labels 'site=north, line=2'` as labels: the syntax of the console's Add device form, read
 * strictly. A pair without `=`, a key the API would refuse, or a key given twice is a usage error
 * naming it, so nothing is minted with labels the operator did not mean.
 */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw usageError(`--labels: '${pair}' is not key=value (e.g. --labels 'site=north, line=2')`);
    const key = pair.slice(0, eq).trim();
    if (key in labels) throw usageError(`--labels: '${key}' is given twice`);
    labels[key] = pair.slice(eq + 1).trim();
  }
  if (!Object.keys(labels).length) throw usageError("--labels needs at least one key=value pair (e.g. --labels 'site=north, line=2')");
  const checked = Labels.safeParse(labels);
  if (!checked.success) {
    // The schema is the API's own, so the CLI refuses exactly what the API would.
    const issue = checked.error.issues[0]!;
    const key = String(issue.path[0]);
    throw usageError(
      issue.code === 'invalid_key'
        ? `--labels: '${key}' is not a label key (up to 63 letters, digits and . _ / -, starting with a letter or digit)`
        : `--labels: the value of '${key}' is too long (at most 255 characters)`,
    );
  }
  return labels;
}
