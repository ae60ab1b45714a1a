// What a man in the middle between the platform and a device can do to TUF metadata (the attack specs' tools).
export { startMetadataProxy, type MetadataProxy, type Origin, type ProxyIdentity, type Rewrite } from './metadata-proxy.js';
export { flipSignedByte, flipTargetHash, versionOf } from './tampering.js';
