// `npm start -- --workers 2` (cli/serve-workers.ts): the real server as several processes sharing one
// port. Each new connection is handed to the next worker, so requests over new connections reach
// both; both follow the primary's rebuilds; a worker that dies is replaced; SIGTERM stops them all.
import { expect } from "chai";
import http from "node:http";
import path from "node:path";
import { pagesDir, removeTempDirs, tempDir, waitUntil, writeRecords } from "../support/index-fixtures.js";
import { startServer, type RunningServer } from "../support/server.js";

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A GET over a connection of its own (no keep-alive pool): the primary hands each connection to the next worker. */
function getOverNewConnection(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 5000 }, (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      })
      .on("timeout", function (this: http.ClientRequest) {
        this.destroy(new Error(`no answer from ${url} within 5 s`));
      })
      .on("error", reject);
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm start -- --workers 2", function () {
  this.timeout(90_000);
  let server: RunningServer;
  let seeds: string;

  before(async () => {
    seeds = pagesDir();
    server = await startServer({ seedsDir: seeds, indexDir: path.join(tempDir("index"), "index"), extraArgs: ["--workers", "2", "--watch"] });
  });
  after(async () => {
    await server?.stop();
    removeTempDirs();
  });

  const health = async (): Promise<{ pid: number; generation: number }> => (await getOverNewConnection(`${server.url}/healthz`)).body as { pid: number; generation: number };
  /** The worker pids that answer `count` requests over new connections. */
  const answeringPids = async (count: number): Promise<Set<number>> => {
    const pids = new Set<number>();
    for (let i = 0; i < count; i++) pids.add((await health()).pid);
    return pids;
  };
  /** The two workers' pids, asked over new connections until both have answered. */
  const bothWorkers = (): Promise<Set<number>> =>
    waitUntil("both workers answering", 15_000, async () => {
      const pids = await answeringPids(4).catch(() => undefined);
      return pids?.size === 2 ? pids : undefined;
    }, 100);
  /** The ids found for `query` over `count` new connections, one after another (so by the workers in turn). */
  const searchEverywhere = async (query: string, count: number): Promise<string[][]> => {
    const answers = [];
    for (let i = 0; i < count; i++) {
      const search = await getOverNewConnection(`${server.url}/api/search?q=${encodeURIComponent(query)}`);
      expect(search.status).to.equal(200);
      answers.push((search.body.hits as Array<{ id: string }>).map((hit) => hit.id));
    }
    return answers;
  };

  it("answers from two worker processes, not the primary, with the same results", async () => {
    expect(server.output()).to.match(/2 worker processes \(\d+, \d+\)/);
    expect([...(await bothWorkers())]).to.not.include(server.pid);
    const answers = await searchEverywhere('"防疫知识"', 6);
    expect(answers[0]).to.not.be.empty;
    for (const ids of answers) expect(ids).to.deep.equal(answers[0]);
  });

  it("serves a rebuild from every worker: the primary watches the seeds and builds, the workers follow", async () => {
    const before = await health();
    writeRecords(path.join(seeds, "workers.jsonl"), [{ id: "wk-1", title: "两个进程都能看到", body: "青鸾振翅计划今天启动。" }]);
    // Both workers, each asked over new connections in turn, say they serve a newer generation.
    const pids = await waitUntil("every worker serving the new generation", 20_000, async () => {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await health());
      const pids = new Set(answers.map(({ pid }) => pid));
      return pids.size === 2 && answers.every(({ generation }) => generation > before.generation) ? pids : undefined;
    }, 200);
    for (const pid of pids) expect(server.output()).to.match(new RegExp(`worker ${pid} now serving generation \\d+`));
    for (const ids of await searchEverywhere('"青鸾振翅计划"', 6)) expect(ids).to.deep.equal(["wk-1"]);
  });

  it("replaces a worker that dies and goes on answering", async () => {
    const [victim, survivor] = [...(await bothWorkers())];
    process.kill(victim!, "SIGKILL");
    const replaced = await waitUntil("a new worker answering", 30_000, async () => {
      // A connection handed to the worker as it died goes unanswered: the client times out (5 s here) and asks again.
      const pids = await answeringPids(4).catch(() => undefined);
      return pids && pids.size === 2 && !pids.has(victim!) ? pids : undefined;
    }, 200);
    expect(replaced.has(survivor!)).to.equal(true);
    expect(server.output()).to.match(new RegExp(`worker ${victim} stopped \\(signal SIGKILL\\); starting another`));
    for (const ids of await searchEverywhere("疫情防控", 4)) expect(ids).to.not.be.empty;
  });

  it("stops every worker on SIGTERM and exits 0", async () => {
    const workers = await bothWorkers();
    expect(await server.stop()).to.equal(0);
    await waitUntil("the workers gone", 10_000, () => ([...workers].some(isAlive) ? undefined : true));
  });
});

describe("npm start -- --workers 2 on a port in use", function () {
  this.timeout(60_000);
  let first: RunningServer | undefined;
  after(async () => {
    await first?.stop();
    removeTempDirs();
  });

  it("stops with exit code 1 and says why when its workers cannot listen", async () => {
    first = await startServer({ seedsDir: pagesDir(), indexDir: path.join(tempDir("index"), "index") });
    const port = new URL(first.url).port;
    const failure = await startServer({ seedsDir: pagesDir(), indexDir: path.join(tempDir("index"), "index"), extraArgs: ["--workers", "2", "--port", port] }).then(
      () => expect.fail("a second server listened on a port in use"),
      (error: Error) => error.message,
    );
    expect(failure).to.match(/exited with 1 before listening/);
    expect(failure).to.match(new RegExp(`cannot listen on port ${port}`));
    expect(failure).to.match(/before it listened: see its message above; stopping the other workers/);
  });

  it("refuses a number of workers that is not one", async () => {
    const failure = await startServer({ seedsDir: pagesDir(), indexDir: path.join(tempDir("index"), "index"), extraArgs: ["--workers", "0"] }).then(
      () => expect.fail("started with 0 workers"),
      (error: Error) => error.message,
    );
    expect(failure).to.match(/--workers <n>.*give a whole number of processes, at least 1, or auto/s);
  });
});
