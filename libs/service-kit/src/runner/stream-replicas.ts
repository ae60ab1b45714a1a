import type { ServiceConfig } from '../config.js';
import { numberSetting } from '../number-setting.js';

/** `KEELSON_STREAM_REPLICAS` (default 1): the replicas of every stream a service owns; 3 in a cluster. */
export function streamReplicasOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_STREAM_REPLICAS', { default: 1, min: 1, max: 5 });
}
