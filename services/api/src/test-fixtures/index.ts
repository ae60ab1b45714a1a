// @keelson/api/testing: the api app as other projects' specs start it (test-only, run from source by Jest).
export { startApiApp, type ApiTestApp } from './api-app.js';
