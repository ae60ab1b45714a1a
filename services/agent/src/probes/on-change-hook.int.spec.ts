import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOnChange, runOnChange } from './on-change-hook.js';

describe('the --on-change hook', () => {
  let dir: string;
  let hook: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-hook-'));
    hook = join(dir, 'reload.sh');
    // Records its arguments and environment, then exits with the code in $dir/exit (0 if absent).
    writeFileSync(
      hook,
      `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/args\nprintf '%s' "$KEELSON_ARTIFACT_PATH" > ${dir}/env\nexit $(cat ${dir}/exit 2>/dev/null || echo 0)\n`,
    );
    chmodSync(hook, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('splits the command into argv without a shell and passes the active file', async () => {
    const argv = parseOnChange(`${hook}  reload  $(touch ${dir}/pwned)`);
    await expect(runOnChange(argv, 'config', '/data/app/current/app.toml')).resolves.toEqual({ ok: true });
    expect(readFileSync(join(dir, 'args'), 'utf8')).toBe(`reload\n$(touch\n${dir}/pwned)\n/data/app/current/app.toml\n`);
    expect(readFileSync(join(dir, 'env'), 'utf8')).toBe('/data/app/current/app.toml');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('turns a failing hook into a failed probe, naming the hook', async () => {
    writeFileSync(join(dir, 'exit'), '3');
    const result = await runOnChange(parseOnChange(hook), 'model', '/m.onnx');
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^on-change hook failed: .*exited with code 3/) });
  });

  it('does not run for containers, which are restarted instead', async () => {
    writeFileSync(join(dir, 'exit'), '3');
    await expect(runOnChange(parseOnChange(hook), 'container', '/x')).resolves.toEqual({ ok: true });
    expect(existsSync(join(dir, 'args'))).toBe(false);
  });

  it('refuses a command it could not run as given', () => {
    expect(() => parseOnChange('   ')).toThrow('--on-change needs a command');
    expect(() => parseOnChange('reload.sh now')).toThrow('absolute path');
  });
});
