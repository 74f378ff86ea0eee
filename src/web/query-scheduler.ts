// Keeps expensive queries from holding the only thread. Every search gets one short slice at once:
// a cheap query ends there. A search that needs more is expensive work: it joins a bounded set of
// jobs that take turns, one slice per turn, with the event loop serving other requests between
// turns. The next turn goes to the job that has had the fewest slices so far (least attained
// service), so a query that needs two slices is not stuck behind ones that need a hundred. Slices
// are counted, not timed: a slice stretched by a garbage collection or by the OS giving the core to
// another process says nothing about the query, and timing it once put a cheap query behind the
// expensive ones until its budget ran out.
// Each request's budget runs from its arrival, waiting included; a full set answers 503 at once.
// Exports are long by nature and pace themselves (export.ts): each holds a place of the same set
// while it streams (a lease), so a crowd of downloads cannot take the thread from searches.
import { QueryTooExpensiveError, ServerBusyError } from "../errors.js";
import { Budget, runSlice, type Steps } from "../search/budget.js";

export interface SchedulerOptions {
  /** Milliseconds a request may take, waiting included, before it is stopped (QueryTooExpensiveError). */
  budgetMs: number;
  /** Expensive queries that may take turns at once; one more is refused with ServerBusyError. */
  expensiveQueries: number;
}

export const DEFAULT_SCHEDULER: SchedulerOptions = { budgetMs: 1000, expensiveQueries: 16 };

/**
 * Milliseconds of search between two looks at the event loop: short enough that a cheap query
 * waits a few slices at most, long enough that yielding (one setImmediate) costs nothing.
 */
const SLICE_MS = 10;

interface Job {
  steps: Steps<unknown>;
  budget: Budget;
  /** Slices it has had. */
  slices: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A place among the expensive work, held by work that paces itself (an export); release it when done. */
export interface Lease {
  release(): void;
}

export class QueryScheduler {
  private readonly jobs: Job[] = [];
  private turnPending = false;
  /** Places held by leases (exports streaming). */
  private leases = 0;

  constructor(private readonly options: SchedulerOptions) {}

  /** A fresh budget for a request that has just arrived. */
  budget(): Budget {
    return new Budget(this.options.budgetMs);
  }

  /** The steps' result, computed within `budget`; rejects with QueryTooExpensiveError or ServerBusyError. */
  async run<T>(steps: Steps<T>, budget: Budget): Promise<T> {
    const done = runSlice(steps, budget, SLICE_MS);
    if (done) return done.value;
    if (this.jobs.length + this.leases >= this.options.expensiveQueries) this.makeRoom();
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ steps, budget, slices: 1, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleTurn();
    });
  }

  /**
   * A place for long work without a deadline that yields by itself (an export). Such work may hold
   * at most half of the places (rounded up), so searches keep the rest; beyond that, or when every
   * place is taken, ServerBusyError. A lease never takes a running search's place.
   */
  lease(): Lease {
    const share = Math.ceil(this.options.expensiveQueries / 2);
    if (this.leases >= share || this.jobs.length + this.leases >= this.options.expensiveQueries) throw new ServerBusyError(this.retryAfterSeconds());
    this.leases++;
    let held = true;
    return {
      release: () => {
        if (held) this.leases--;
        held = false;
      },
    };
  }

  /**
   * All turns are taken: the job that has had the most slices gives up its place to the newcomer,
   * which has had one (a cheap query must not be refused because of expensive ones), or the
   * newcomer is refused.
   */
  private makeRoom(): void {
    let most = 0;
    for (let i = 1; i < this.jobs.length; i++) if (this.jobs[i]!.slices > this.jobs[most]!.slices) most = i;
    const busy = new ServerBusyError(this.retryAfterSeconds());
    if (this.jobs.length === 0 || this.jobs[most]!.slices <= 1) throw busy;
    this.jobs[most]!.reject(busy);
    this.jobs.splice(most, 1);
  }

  private scheduleTurn(): void {
    if (this.turnPending || this.jobs.length === 0) return;
    this.turnPending = true;
    setImmediate(() => {
      this.turnPending = false;
      this.turn();
      this.scheduleTurn();
    });
  }

  /** One slice of the job that has had the fewest slices (the earliest of equals). */
  private turn(): void {
    this.stopExpired();
    if (this.jobs.length === 0) return;
    let next = 0;
    for (let i = 1; i < this.jobs.length; i++) if (this.jobs[i]!.slices < this.jobs[next]!.slices) next = i;
    const job = this.jobs[next]!;
    try {
      const done = runSlice(job.steps, job.budget, SLICE_MS);
      job.slices++;
      if (!done) return;
      job.resolve(done.value);
    } catch (error) {
      job.reject(error); // the budget ran out (QueryTooExpensiveError), or the search failed
    }
    this.jobs.splice(next, 1);
  }

  /** Jobs whose time ran out while others had their turns end now, not when their turn comes. */
  private stopExpired(): void {
    for (let i = this.jobs.length - 1; i >= 0; i--) {
      const job = this.jobs[i]!;
      if (job.budget.remaining() > 0) continue;
      job.reject(new QueryTooExpensiveError(job.budget.limitMs));
      this.jobs.splice(i, 1);
    }
  }

  /** By then the queries taking turns now have ended, one way or the other. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.options.budgetMs / 1000));
  }
}
