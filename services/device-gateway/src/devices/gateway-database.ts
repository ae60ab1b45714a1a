/** Why the device half of the gateway needs its database, in the refusal (service-kit's `requireDatabase`) when it has none. */
export const deviceTables = 'device and group read models live there';
