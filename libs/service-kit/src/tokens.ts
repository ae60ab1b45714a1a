/** Nest injection tokens for the connections and facilities every service shares. */
export const NATS = Symbol('NatsConnection');
export const DATABASE = Symbol('Database');
export const SERVICE_CONFIG = Symbol('ServiceConfig');
export const CLOCK = Symbol('Clock');

/** Where handlers get the time: commands are stamped at the edge, never inside a decider. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
