// The sizes a `DeviceMetrics` window keeps to, without zod: the agent's reporter reads them on the
// `@keelson/events/device-protocol` entry, the gateway and the schema in `device-metrics.ts`.

/** At most this many metrics in one window's message: the agent keeps the first ones by name. */
export const maxMetricsPerWindow = 32;
/** At most this many bins per side of one sketch: 1 % accuracy spans 10⁻⁶…10⁹ in ~2,000 bins. */
export const maxSketchBins = 2_048;
/** The largest `DeviceMetrics` message, in bytes of JSON: the gateway drops a bigger one unread. */
export const maxDeviceMetricsBytes = 16 * 1024;
