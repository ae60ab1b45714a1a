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
  /**
   * For a decider that folds its events while deciding (to find what follows them): `decide` and
   * the state that fold reached, so the caller keeps it instead of folding the events again. Its
   * events are `decide`'s, its state is theirs folded into `state`.
   */
  decideAndEvolve?: (command: Command, state: State) => Decision<Event, State>;
}

/** What a command causes and the state after it: one fold per command. */
export interface Decision<Event, State> {
  events: Event[];
  state: State;
}

/** Folds a history into the state it leads to. */
export function fold<Command, Event, State>(decider: Decider<Command, Event, State>, events: readonly Event[], from?: State): State {
  return events.reduce(decider.evolve, from ?? decider.initialState());
}

/** The command's events and the state after them, folded once: by the decider if it folds as it decides, else here. */
export function decideAndEvolve<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  command: Command,
  state: State,
): Decision<Event, State> {
  if (decider.decideAndEvolve) return decider.decideAndEvolve(command, state);
  const events = decider.decide(command, state);
  return { events, state: events.reduce(decider.evolve, state) };
}
