// What a man in the middle between the platform and a device can do to TUF metadata (the attack specs' proxy;
// what it does to the bytes is in @keelson/tuf/testing).
export { startMetadataProxy, type MetadataProxy, type Origin, type ProxyIdentity, type Rewrite } from './metadata-proxy.js';
