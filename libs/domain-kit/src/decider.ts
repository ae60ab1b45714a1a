/**
 * A pure aggregate: `decide` turns a command and the current state into new events (or throws a
 * DomainError), `evolve` folds one event into the state. No clock, randomness or I/O inside:
 * time and ids arrive in the command.
 */
export interface Decider<Command, Event, State> {
  /** The state of an aggregate that has no events yet. */
  initialState: () => State;
  /** Returns the events the command causes; `[]` when the command is already satisfied. */
  decide: (command: Command, state: State) => Event[];
  /** Total: never throws, ignores events it does not care about. */
  evolve: (state: State, event: Event) => State;
}

/** Folds a history into the state it leads to. */
export function fold<Command, Event, State>(decider: Decider<Command, Event, State>, events: readonly Event[], from?: State): State {
  return events.reduce(decider.evolve, from ?? decider.initialState());
}
