// Structures derived from a snapshot once and kept for it (keyword columns, article ids, byline
// names, the vocabulary…). Each is built by a generator that pauses every BUILD_CHUNK items, so the
// warm-up (search/warm-up.ts) can build it between requests before a generation is served; a reader
// that needs it before that (a snapshot nobody warmed up: tests, the CLI, the seconds after a start)
// builds the rest at once, and that is counted (onDemandBuilds) so that tests can tell.

/** Items a build does between two pauses: well under a millisecond of work. */
export const BUILD_CHUNK = 256;

/** How a build is paced: search/budget.ts's Budget (typed here so that index/ does not import search/). */
export interface BuildPace {
  /** Whether to pause now (`work`: items done since the last call). */
  due(work: number): boolean;
  /** Runs `build`, not charging its time to the deadline. */
  excluding<T>(build: () => T): T;
  /** Moves the deadline `ms` later. */
  extend(ms: number): void;
}

type Build<T> = Generator<void, T, void>;

/** How many builds readers finished themselves, by structure (a warmed-up snapshot never needs one). */
const onDemand = new Map<string, number>();

export function onDemandBuilds(name: string): number {
  return onDemand.get(name) ?? 0;
}

export class Derived<K extends object, T> {
  private readonly built = new WeakMap<K, T>();
  /** Builds under way: the warm-up and a reader may take turns at one. */
  private readonly building = new WeakMap<K, Build<T>>();

  /** `build` pauses (yields) every BUILD_CHUNK items or so. */
  constructor(
    readonly name: string,
    private readonly build: (key: K) => Build<T>,
  ) {}

  has(key: K): boolean {
    return this.built.has(key);
  }

  /** The structure, built now if it is not yet (the time excluded from `pace`'s deadline when given). */
  get(key: K, pace?: BuildPace): T {
    const done = this.built.get(key);
    if (done !== undefined) return done;
    onDemand.set(this.name, onDemandBuilds(this.name) + 1);
    const finish = (): T => {
      const steps = this.stepsOf(key);
      for (;;) {
        const step = steps.next();
        if (step.done) return this.keep(key, step.value);
      }
    };
    return pace ? pace.excluding(finish) : finish();
  }

  /**
   * Builds the structure a chunk at a time (taking turns with a warm-up building it too), pausing
   * when `pace` says so. Neither the building nor the pauses count against the pace's deadline: a
   * structure built once is not the cost of the request that waits for it, and the thread stays free.
   */
  *prepare(key: K, pace: BuildPace): Generator<void, T, void> {
    let since = performance.now();
    const excuse = (): void => {
      const now = performance.now();
      pace.extend(now - since);
      since = now;
    };
    for (;;) {
      excuse();
      const done = this.built.get(key);
      if (done !== undefined) return done;
      const step = this.stepsOf(key).next();
      excuse();
      if (step.done) return this.keep(key, step.value);
      if (pace.due(BUILD_CHUNK)) yield;
    }
  }

  private stepsOf(key: K): Build<T> {
    let steps = this.building.get(key);
    if (!steps) this.building.set(key, (steps = this.build(key)));
    return steps;
  }

  private keep(key: K, value: T): T {
    this.built.set(key, value);
    this.building.delete(key);
    return value;
  }
}
