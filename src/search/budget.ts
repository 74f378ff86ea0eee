// A request's time budget, spent cooperatively. The long loops of a search (phrase counts, candidate
// checks, ranking, occurrence listing) are generators that call `budget.due()` once per item and
// yield when it says so; every CHECK_EVERY calls it reads the clock, so the hot path pays a counter,
// not a clock read per item. Past the deadline it throws QueryTooExpensiveError, wherever the loop is.
// A driver either runs the steps to the end (runToEnd: tests, bench, CLI) or in slices with other
// requests served between them (runInSlices: the server), so one expensive query never holds the only thread.
import { setImmediate as nextTurn } from "node:timers/promises";
import { QueryTooExpensiveError } from "../errors.js";

/** Items of work between two clock reads: some microseconds at most, so a deadline or slice is overrun by little. */
const CHECK_EVERY = 256;

/** A search stage that may pause between items: yields nothing, returns its result. */
export type Steps<T> = Generator<void, T, void>;

export class Budget {
  private countdown: number;
  private sliceEnd = Infinity;
  /** Stays true until the next slice: a loop that cannot yield (a callback) leaves the signal to its caller. */
  private sliceOver = false;
  private deadline: number;

  /**
   * `limitMs` from now (Infinity: never stopped); a request's budget starts when it arrives, so
   * waiting counts. `checkEvery`: items of work between clock reads (tests read it at every item).
   */
  constructor(
    readonly limitMs: number,
    private readonly checkEvery = CHECK_EVERY,
  ) {
    this.deadline = performance.now() + limitMs;
    this.countdown = checkEvery;
  }

  static unlimited(): Budget {
    return new Budget(Infinity);
  }

  /**
   * Whether the current slice is used up (the caller should yield). Throws when the whole budget is.
   * `work`: how many items the caller has just done at once (a merge of two lists: their length).
   */
  due(work = 1): boolean {
    if ((this.countdown -= work) > 0) return this.sliceOver;
    this.countdown = this.checkEvery;
    const now = performance.now();
    if (now > this.deadline) throw new QueryTooExpensiveError(this.limitMs);
    return (this.sliceOver ||= now > this.sliceEnd);
  }

  /**
   * Runs `build` and moves the deadline by its time: a structure of the index built once, on first
   * use (the vocabulary: about a second, more under load), is not the cost of the request that
   * happens to need it first, which would otherwise be stopped for it.
   */
  excluding<T>(build: () => T): T {
    const started = performance.now();
    try {
      return build();
    } finally {
      this.extend(performance.now() - started);
    }
  }

  /** Moves the deadline `ms` later (time the request spent waiting for such a structure). */
  extend(ms: number): void {
    this.deadline += ms;
  }

  /** Milliseconds left before the deadline (negative when past it). */
  remaining(): number {
    return this.deadline - performance.now();
  }

  /** The next `due()` after `ms` from now says yield. */
  startSlice(ms: number): void {
    this.sliceEnd = performance.now() + ms;
    this.sliceOver = false;
  }
}

/** Runs the steps without pausing. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** One slice of at most about `sliceMs` of the steps: their result, or undefined when they paused. */
export function runSlice<T>(steps: Steps<T>, budget: Budget, sliceMs: number): { value: T } | undefined {
  budget.startSlice(sliceMs);
  const step = steps.next();
  return step.done ? { value: step.value } : undefined;
}

/** Runs the steps in slices of about `sliceMs`, letting the event loop serve other requests between them. */
export async function runInSlices<T>(steps: Steps<T>, budget: Budget, sliceMs: number): Promise<T> {
  for (;;) {
    const done = runSlice(steps, budget, sliceMs);
    if (done) return done.value;
    await nextTurn();
  }
}
