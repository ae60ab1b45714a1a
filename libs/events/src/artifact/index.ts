export { ModelInput, ModelManifest, ConfigManifest, ContainerManifest, ArtifactManifest } from './manifest.js';
export {
  ArtifactReceived,
  ArtifactPublished,
  ArtifactRejected,
  type ArtifactEvent,
  artifactEvents,
  parseArtifactEvent,
} from './artifact-events.js';
export { ContainerArtifactName, OciRepositoryName, ociRepositoryPattern } from './oci-names.js';
