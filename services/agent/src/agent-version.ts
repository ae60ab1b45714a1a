/** Sent in every hello; kept equal to the version in services/agent/package.json. */
export const agentVersion = '0.1.0';
