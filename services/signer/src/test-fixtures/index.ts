// @keelson/signer/testing: the signer as other projects' specs start it (test-only, run from source by Jest).
export { startSigner, testKeySecret, type ReceivedArtifact, type SignerApp } from './signer-app.js';
