// @keelson/device-gateway/testing: the gateway's device half as other projects' specs start it (test-only, run from source by Jest).
export { startDeviceHalf, type DeviceHalfApp } from './device-half-app.js';
