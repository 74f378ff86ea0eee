// The scheduler of expensive queries, with synthetic work: items of 0.1 ms each that ask the budget
// after every item. What is checked is who is answered, refused or stopped, and in which order.
import { expect } from "chai";
import { QueryTooExpensiveError, ServerBusyError } from "../../src/errors.js";
import { Budget, type Steps } from "../../src/search/budget.js";
import { QueryScheduler } from "../../src/web/query-scheduler.js";

/** `firstItemMs`: a first item that stretches the first slice, as a garbage collection or the OS can. */
function* work(budget: Budget, items: number, value: string, firstItemMs = 0.1): Steps<string> {
  for (let i = 0; i < items; i++) {
    if (i > 0 && budget.due()) yield; // so one item never yields
    const until = performance.now() + (i === 0 ? firstItemMs : 0.1);
    while (performance.now() < until); // one item of CPU work
  }
  return value;
}

const turns = (n: number): Promise<void> => (n === 0 ? Promise.resolve() : new Promise((resolve) => setImmediate(() => void turns(n - 1).then(resolve))));

describe("query-scheduler", function () {
  this.timeout(20_000);

  const start = (scheduler: QueryScheduler, items: number, value: string, budgetMs = 60_000): Promise<string> => {
    const budget = new Budget(budgetMs, 1);
    return scheduler.run(work(budget, items, value), budget);
  };

  it("answers a query that ends within its first slice, even when no expensive query may run", async () => {
    const scheduler = new QueryScheduler({ budgetMs: 60_000, expensiveQueries: 0 });
    expect(await start(scheduler, 1, "cheap")).to.equal("cheap");
  });

  it("refuses a query that needs more than one slice when no expensive query may run: ServerBusyError with Retry-After", async () => {
    const scheduler = new QueryScheduler({ budgetMs: 2500, expensiveQueries: 0 });
    const error = await start(scheduler, 2000, "long").catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ServerBusyError);
    expect((error as ServerBusyError).retryAfterSeconds).to.equal(3);
    expect((error as ServerBusyError).code).to.equal("server_busy");
  });

  it("gives the next turn to the query that has had the fewest slices: a short one passes a long one", async () => {
    const scheduler = new QueryScheduler({ budgetMs: 60_000, expensiveQueries: 4 });
    const finished: string[] = [];
    const long = start(scheduler, 3000, "long").then((value) => finished.push(value));
    await turns(3);
    const short = start(scheduler, 250, "short").then((value) => finished.push(value));
    await Promise.all([long, short]);
    expect(finished).to.deep.equal(["short", "long"]);
  });

  it("counts slices, not their time: a query whose first slice was stretched is not put behind one that has had more slices", async () => {
    const scheduler = new QueryScheduler({ budgetMs: 60_000, expensiveQueries: 4 });
    const finished: string[] = [];
    const long = start(scheduler, 600, "long").then((value) => finished.push(value));
    await turns(3);
    // 200 ms in its first slice, then 25 ms of work. Timed slices let the long one (60 ms) finish first.
    const budget = new Budget(60_000, 1);
    const stretched = scheduler.run(work(budget, 250, "stretched", 200), budget).then((value) => finished.push(value));
    await Promise.all([long, stretched]);
    expect(finished).to.deep.equal(["stretched", "long"]);
  });

  it("when all turns are taken, refuses the query that has had the most slices in favour of a newer one", async () => {
    const scheduler = new QueryScheduler({ budgetMs: 60_000, expensiveQueries: 1 });
    const long = start(scheduler, 5000, "long").catch((caught: unknown) => caught);
    await turns(5);
    expect(await start(scheduler, 250, "short")).to.equal("short");
    expect(await long).to.be.instanceOf(ServerBusyError);
  });

  it("stops a query whose budget runs out, while it runs or while it waits for a turn", async () => {
    const scheduler = new QueryScheduler({ budgetMs: 60_000, expensiveQueries: 4 });
    const outcomes = await Promise.all([start(scheduler, 100_000, "a", 100), start(scheduler, 100_000, "b", 100)].map((run) => run.catch((caught: unknown) => caught)));
    for (const outcome of outcomes) expect(outcome).to.be.instanceOf(QueryTooExpensiveError).and.have.property("code", "query_too_expensive");
  });
  it("counts an export's lease against the expensive places, which exports may hold at most half of", async () => {
    const one = new QueryScheduler({ budgetMs: 60_000, expensiveQueries: 1 });
    const lease = one.lease();
    const refused = await start(one, 3000, "long").catch((caught: unknown) => caught);
    expect(refused, "the only place is held by an export, which never gives it up for a search").to.be.instanceOf(ServerBusyError);
    expect(() => one.lease(), "nor for another export").to.throw(ServerBusyError);
    lease.release();
    lease.release(); // twice frees one place only
    expect(await start(one, 300, "long")).to.equal("long");

    const three = new QueryScheduler({ budgetMs: 60_000, expensiveQueries: 3 });
    const leases = [three.lease(), three.lease()];
    expect(() => three.lease(), "a third export: over half of 3 places").to.throw(ServerBusyError);
    expect(await start(three, 300, "search"), "the third place is for searches").to.equal("search");
    leases[0]!.release();
    expect(() => three.lease()).not.to.throw();
  });

  it("refuses every export when no expensive work may run", () => {
    expect(() => new QueryScheduler({ budgetMs: 60_000, expensiveQueries: 0 }).lease()).to.throw(ServerBusyError);
  });
});
