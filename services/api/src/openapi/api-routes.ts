import type { RouteDoc } from './routes/route-doc.js';
import { artifactRoutes } from './routes/artifact-routes.js';
import { trustRoutes } from './routes/trust-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { rolloutRoutes } from './routes/rollout-routes.js';
import { experimentRoutes } from './routes/experiment-routes.js';
import { auditRoutes } from './routes/audit-routes.js';

export type { RouteDoc } from './routes/route-doc.js';

/** Every route the api serves besides `/healthz`, `/readyz` and `/metrics`, by area (`routes/`). */
export const apiRoutes: RouteDoc[] = [
  ...artifactRoutes,
  ...trustRoutes,
  ...deviceRoutes,
  ...rolloutRoutes,
  ...experimentRoutes,
  ...auditRoutes,
];
