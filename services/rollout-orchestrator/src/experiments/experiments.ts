import { InvalidInput, NotFound } from '@keelson/domain-kit';
import type { orchestrator } from '@keelson/requests';
import { handleCommand, type EventMetadata, type EventStore } from '@keelson/event-store';
import type { ExperimentEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { ExperimentGroupHolds } from './commands/group-holds.js';
import { experimentDecider, type ExperimentCommand } from './domain/experiment.decide.js';
import type { Experiment, LiveExperiment } from './domain/experiment.js';
import { evolveExperimentView } from './read-models/experiment-view.js';

type ExperimentView = orchestrator.ExperimentView;
type ExperimentLook = orchestrator.ExperimentLook;

/**
 * Runs experiment commands against `ev.experiment.<fleet>.<experimentId>` (load, decide, append,
 * retry on conflict) and reads experiments: one from its stream, lists from the read model.
 */
export class Experiments {
  /** Which open experiment holds a group, safe against creations racing (commands/group-holds.ts). */
  readonly groupHolds: ExperimentGroupHolds;

  constructor(
    readonly store: EventStore<ExperimentEvent>,
    private readonly db: Database,
  ) {
    this.groupHolds = new ExperimentGroupHolds(db);
  }

  private subject(fleet: string, experimentId: string): string {
    return this.store.subject('experiment', fleet, experimentId);
  }

  async execute(command: ExperimentCommand, meta: EventMetadata): Promise<{ events: ExperimentEvent[]; state: LiveExperiment }> {
    const outcome = await handleCommand({
      store: this.store,
      subject: this.subject(command.fleet, command.experimentId),
      decider: experimentDecider,
      command,
      meta,
    });
    if (outcome.state.status === 'absent') throw new NotFound('experiment', command.experimentId);
    return { events: outcome.events, state: outcome.state };
  }

  async current(fleet: string, experimentId: string): Promise<Experiment> {
    const { events } = await this.store.load(this.subject(fleet, experimentId), 0, { latest: true });
    return events.reduce((s, r) => experimentDecider.evolve(s, r.event), experimentDecider.initialState());
  }

  /** One experiment, folded from its stream so it is visible the moment a command returned. */
  async get(fleet: string, experimentId: string): Promise<ExperimentView> {
    const { events } = await this.store.load(this.subject(fleet, experimentId), 0, { latest: true });
    const view = events.reduce<ExperimentView | null>((v, r) => evolveExperimentView(v, r.event), null);
    if (!view) throw new NotFound('experiment', experimentId);
    const lastLook = await this.lastLook(fleet, experimentId);
    return lastLook ? { ...view, lastLook } : view;
  }

  /** Keeps what the decision loop judged on at this look; an older look (a slow replica's) never replaces a newer one. */
  async recordLook(fleet: string, experimentId: string, look: ExperimentLook): Promise<void> {
    await this.db.query(
      `INSERT INTO experiment_looks (fleet, experiment_id, judged_at, look) VALUES ($1, $2, $3, $4)
       ON CONFLICT (fleet, experiment_id) DO UPDATE SET judged_at = EXCLUDED.judged_at, look = EXCLUDED.look WHERE experiment_looks.judged_at <= EXCLUDED.judged_at`,
      [fleet, experimentId, look.judgedAt, JSON.stringify(look)],
    );
    await this.db.query(
      'INSERT INTO experiment_look_history (fleet, experiment_id, judged_at, look) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [fleet, experimentId, look.judgedAt, JSON.stringify(look)],
    );
  }

  /**
   * The decision loop's looks at the experiment, oldest first; the cursor is the last look's time.
   * NotFound when the read model has no such experiment.
   */
  async looks(
    fleet: string,
    experimentId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: ExperimentLook[]; nextCursor?: string }> {
    if (cursor !== undefined && !(/^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$/.test(cursor) && Number.isFinite(Date.parse(cursor)))) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const known = await this.db.query('SELECT 1 FROM experiment_summaries WHERE fleet = $1 AND experiment_id = $2', [fleet, experimentId]);
    if (!known.length) throw new NotFound('experiment', experimentId);
    const rows = await this.db.query<{ look: ExperimentLook }>(
      `SELECT look FROM experiment_look_history WHERE fleet = $1 AND experiment_id = $2 AND ($3::timestamptz IS NULL OR judged_at > $3)
       ORDER BY judged_at LIMIT $4`,
      [fleet, experimentId, cursor ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => r.look);
    return rows.length > limit ? { items, nextCursor: items.at(-1)!.judgedAt } : { items };
  }

  /** The decision loop's latest look at the experiment, if it has looked yet. */
  async lastLook(fleet: string, experimentId: string): Promise<ExperimentLook | undefined> {
    const [row] = await this.db.query<{ look: ExperimentLook }>(
      'SELECT look FROM experiment_looks WHERE fleet = $1 AND experiment_id = $2',
      [fleet, experimentId],
    );
    return row?.look;
  }

  /** The fleet's experiments, newest first; the cursor is a creation sequence. */
  async list(fleet: string, limit: number, cursor?: string): Promise<{ items: ExperimentView[]; nextCursor?: string }> {
    if (cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(cursor)) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const rows = await this.db.query<{ view: ExperimentView; created_seq: string }>(
      `SELECT view, created_seq FROM experiment_summaries WHERE fleet = $1 AND ($2::bigint IS NULL OR created_seq < $2)
       ORDER BY created_seq DESC LIMIT $3`,
      [fleet, cursor === undefined ? null : Number(cursor), limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => r.view);
    return rows.length > limit ? { items, nextCursor: String(rows[limit - 1]!.created_seq) } : { items };
  }

  /** What the decision loop visits: experiments still running, and ended ones whose verdict is not carried out yet. */
  async needingAttention(): Promise<{ fleet: string; experimentId: string }[]> {
    const rows = await this.db.query<{ fleet: string; experiment_id: string }>(
      `SELECT fleet, experiment_id FROM experiment_summaries WHERE status = 'running' OR (NOT settled AND status <> 'inconclusive') ORDER BY created_seq`,
    );
    return rows.map((r) => ({ fleet: r.fleet, experimentId: r.experiment_id }));
  }
}
