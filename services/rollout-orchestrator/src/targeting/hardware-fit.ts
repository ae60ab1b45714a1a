import type { ArtifactManifest, DeviceHardware } from '@keelson/events';

/** What an artifact needs of a device's hardware, from its manifest (models declare it; containers may pin a platform). */
export interface HardwareNeeds {
  accelerator?: string;
  minMemoryMb?: number;
  architectures?: string[];
}

// Architectures in OCI spelling; the kernel's and compilers' names for the same CPU mean the same.
const aliases: Record<string, string> = {
  x86_64: 'amd64',
  x64: 'amd64',
  aarch64: 'arm64',
  armv7l: 'arm',
  armhf: 'arm',
  i686: '386',
  i386: '386',
};
const ociArchitecture = (name: string): string => aliases[name] ?? name;

/** The needs a manifest declares; a config file needs nothing. */
export function hardwareNeedsOf(manifest: ArtifactManifest): HardwareNeeds {
  if (manifest.kind === 'model') return manifest.hardware;
  if (manifest.kind === 'container' && manifest.platform) return { architectures: [manifest.platform.split('/')[1]!] };
  return {};
}

/**
 * Why a device cannot run the artifact, or null when it fits. A device that does not report a field
 * the artifact needs does not fit: installing a model it may not be able to run is what the check
 * is there to prevent.
 */
export function misfitReason(needs: HardwareNeeds, hardware: DeviceHardware): string | null {
  const reasons: string[] = [];
  if (needs.accelerator !== undefined && hardware.accelerator !== needs.accelerator) {
    reasons.push(`needs accelerator ${needs.accelerator}, device has ${hardware.accelerator ?? 'none reported'}`);
  }
  if (needs.minMemoryMb !== undefined && !(hardware.memoryMb !== undefined && hardware.memoryMb >= needs.minMemoryMb)) {
    reasons.push(
      `needs at least ${needs.minMemoryMb} MB memory, device has ${hardware.memoryMb === undefined ? 'none reported' : `${hardware.memoryMb} MB`}`,
    );
  }
  const architecture = hardware.architecture === undefined ? undefined : ociArchitecture(hardware.architecture);
  if (
    needs.architectures &&
    needs.architectures.length > 0 &&
    !(architecture && needs.architectures.map(ociArchitecture).includes(architecture))
  ) {
    reasons.push(`needs architecture ${needs.architectures.join(' or ')}, device has ${hardware.architecture ?? 'none reported'}`);
  }
  return reasons.length === 0 ? null : reasons.join('; ');
}
