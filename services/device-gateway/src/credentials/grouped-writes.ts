/** One caller's row and how to answer it. */
interface Waiting<Row> {
  row: Row;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for rows written by concurrent callers: a row that arrives while nothing is being
 * written is written at once, alone; rows that arrive while a write is under way wait for it and go
 * together in the next one (at most `maxRows`). Each caller's promise settles only once its own row
 * is committed or refused, so nothing is answered before it is stored, and a row never waits longer
 * than one write. If a grouped write fails (it commits nothing: one statement), each of its rows is
 * written alone, so a bad row fails its own caller and no other.
 */
export class GroupedWrites<Row> {
  private waiting: Waiting<Row>[] = [];
  private writing = false;

  constructor(
    private readonly writeMany: (rows: Row[]) => Promise<void>,
    private readonly writeOne: (row: Row) => Promise<void>,
    private readonly maxRows = 256,
  ) {}

  /** Resolves once `row` is committed; rejects with the error of writing it alone. */
  add(row: Row): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ row, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) await this.write(this.waiting.splice(0, this.maxRows));
    } finally {
      this.writing = false;
    }
  }

  private async write(group: Waiting<Row>[]): Promise<void> {
    if (group.length > 1) {
      try {
        await this.writeMany(group.map((w) => w.row));
        for (const w of group) w.resolve();
        return;
      } catch {
        // Nothing of the group was committed: each row alone, to find the one that is refused.
      }
    }
    await Promise.all(group.map((w) => this.writeOne(w.row).then(w.resolve, w.reject)));
  }
}
