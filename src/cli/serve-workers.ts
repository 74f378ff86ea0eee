// `npm start -- --workers N`: a Node process answers on one core, so a machine with more serves
// from several processes sharing the port (node:cluster; the primary hands out connections). The
// primary only brings the index up to date (and watches the seeds with --watch); each worker opens
// the index itself and follows new generations as one server does, so a rebuild needs no restart.
// A worker that dies is replaced; one that stops before it ever listened stops them all (it would
// only die again: a port in use, an index it cannot read). Each worker holds its own copy of the
// index in memory.
import cluster, { type Worker } from "node:cluster";

/** What a worker tells the primary: it listens (port, what it serves), then it has warmed up. */
export type WorkerReport = { kind: "listening"; port: number; description: string } | { kind: "warm"; ms: number };

export const isWorker = (): boolean => cluster.isWorker;

/** Sends a worker's report to the primary (nothing when this process is not a worker). */
export function reportToPrimary(report: WorkerReport): void {
  if (cluster.isWorker) process.send?.(report);
}

const isReport = (message: unknown): message is WorkerReport =>
  typeof message === "object" && message !== null && ((message as WorkerReport).kind === "listening" || (message as WorkerReport).kind === "warm");

/**
 * Forks `count` workers (this same script, same arguments) and supervises them until SIGTERM or
 * SIGINT, which stop the workers (each finishes its requests) and then this process, exit code 0.
 * Prints `listening on …` once every worker listens and `warmed up in N ms` once every one has.
 */
export function superviseWorkers(count: number, stopWatching: () => void): void {
  const alive = new Set<Worker>();
  const listening = new Set<Worker>();
  /** Until all have warmed up once (afterwards a replacement's warm-up is its own news). */
  const warmed = new Set<Worker>();
  let announced = false;
  let warmedUp = false;
  let stopping = false;
  const started = performance.now();

  const fork = (): void => {
    const worker = cluster.fork();
    alive.add(worker);
    worker.on("message", (message: unknown) => {
      if (!isReport(message)) return;
      if (message.kind === "listening") {
        listening.add(worker);
        if (announced) console.log(`worker ${worker.process.pid} listening again on port ${message.port}`);
        else if (listening.size === count) {
          announced = true;
          console.log(`zh-news-search: ${message.description}, ${count} worker processes (${[...listening].map((each) => each.process.pid).join(", ")})`);
          console.log(`listening on http://localhost:${message.port}`);
        }
      } else if (warmedUp) console.log(`worker ${worker.process.pid} warmed up in ${message.ms} ms`);
      else {
        warmed.add(worker);
        warmedUp = warmed.size === count;
        if (warmedUp) console.log(`warmed up in ${Math.round(performance.now() - started)} ms`);
      }
    });
  };

  /** Stops every worker; this process exits (with process.exitCode) once the last one has. */
  const stopAll = (): void => {
    stopping = true;
    stopWatching();
    for (const worker of alive) worker.process.kill("SIGTERM");
  };

  cluster.on("exit", (worker, code, signal) => {
    alive.delete(worker);
    const hadListened = listening.delete(worker);
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (!stopping && !hadListened) {
      console.error(`worker ${worker.process.pid} stopped (${how}) before it listened: see its message above; stopping the other workers`);
      process.exitCode = 1;
      stopAll();
    } else if (!stopping) {
      console.error(`worker ${worker.process.pid} stopped (${how}); starting another`);
      fork();
    }
    if (stopping && alive.size === 0) process.exit();
  });

  const shutdown = (): void => {
    if (!stopping) stopAll();
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  for (let i = 0; i < count; i++) fork();
}
