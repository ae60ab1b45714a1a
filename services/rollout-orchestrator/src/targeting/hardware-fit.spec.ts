import { hardwareNeedsOf, misfitReason } from './hardware-fit.js';

const needs = { accelerator: 'jetson-orin', minMemoryMb: 8000, architectures: ['arm64'] };

describe('hardware fit', () => {
  it('fits a device that has the accelerator, enough memory and a listed architecture', () => {
    expect(misfitReason(needs, { accelerator: 'jetson-orin', memoryMb: 8000, architecture: 'arm64' })).toBeNull();
  });

  it('gives every reason a device does not fit', () => {
    expect(misfitReason(needs, { accelerator: 'hailo-8', memoryMb: 4000, architecture: 'amd64' })).toBe(
      'needs accelerator jetson-orin, device has hailo-8; needs at least 8000 MB memory, device has 4000 MB; needs architecture arm64, device has amd64',
    );
  });

  it('reads the usual other names of an architecture as the OCI one, on either side', () => {
    expect(misfitReason({ architectures: ['x86_64'] }, { architecture: 'amd64' })).toBeNull();
    expect(misfitReason({ architectures: ['arm64'] }, { architecture: 'aarch64' })).toBeNull();
    expect(misfitReason({ architectures: ['x86_64'] }, { architecture: 'arm64' })).toBe('needs architecture x86_64, device has arm64');
  });

  it('does not fit a device that reports nothing of what is needed', () => {
    expect(misfitReason({ minMemoryMb: 1 }, {})).toBe('needs at least 1 MB memory, device has none reported');
  });

  it('fits anything to an artifact that needs nothing', () => {
    expect(misfitReason({}, {})).toBeNull();
  });

  it('reads needs from a model manifest and a container platform; a config needs nothing', () => {
    expect(
      hardwareNeedsOf({
        kind: 'model',
        framework: 'onnx',
        inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
        metrics: {},
        hardware: needs,
      }),
    ).toEqual(needs);
    expect(
      hardwareNeedsOf({ kind: 'container', repository: 'r/app', digest: `sha256:${'a'.repeat(64)}`, platform: 'linux/arm64' }),
    ).toEqual({ architectures: ['arm64'] });
    expect(hardwareNeedsOf({ kind: 'config' })).toEqual({});
  });
});
