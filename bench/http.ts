// Scenario: GET /api/search under load (autocannon, loopback), the dev queries in turn, against an
// Express hello-world JSON route (hello-server.ts) loaded the same way in the same run.
import autocannon from "autocannon";
import type { Checks } from "./checks.js";
import { loadStretch, spawnListening } from "./child.js";

export const CONNECTIONS = 50;
/** Seconds an answer may take on an idle machine before it counts as a timeout (autocannon's default). */
const REQUEST_TIMEOUT_S = 10;
/** Untimed run before each measured one, so both servers are measured warm (JIT, sockets). */
const WARMUP_S = 1;

export interface HttpRun {
  rps: number;
  p99_ms: number;
  requests: number;
}

async function cannon(url: string, paths: readonly string[], seconds: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    // autocannon's default 10 s per answer, stretched on a loaded machine (loadStretch()).
    timeout: Math.ceil(REQUEST_TIMEOUT_S * loadStretch()),
    // One shared counter: all connections together walk the query list in turn.
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }],
  });
}

/** Loads `url` with `paths` for `seconds` (after a warm-up) and checks that every answer was a 2xx. */
export async function measureHttp(name: string, url: string, paths: readonly string[], seconds: number, checks: Checks): Promise<HttpRun> {
  await cannon(url, paths, WARMUP_S);
  const result = await cannon(url, paths, seconds);
  const ok = result["2xx"];
  checks.expect(
    ok > 0 && result.non2xx === 0 && result.errors === 0 && result.timeouts === 0,
    `${name}: ${ok} 2xx answers, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts; expected only 2xx`,
  );
  return { rps: ok / result.duration, p99_ms: result.latency.p99, requests: ok };
}

/** Share of the server's answers that came from its result cache so far (from /healthz). */
export async function cacheHitRate(url: string): Promise<number> {
  const health = (await (await fetch(`${url}/healthz`)).json()) as { result_cache: { search: { hits: number; misses: number } } };
  const { hits, misses } = health.result_cache.search;
  return hits / Math.max(1, hits + misses);
}

/** The server with its result cache off: every request searches and builds snippets; in `workers` processes (--workers). */
export async function measureUncachedHttp(seedsDir: string, indexDir: string, paths: readonly string[], seconds: number, checks: Checks, workers = 1): Promise<HttpRun> {
  const args = ["--seeds", seedsDir, "--index", indexDir, "--port", "0", "--result-cache", "0", "--workers", String(workers)];
  const server = await spawnListening("dist/src/cli/serve.js", args, { untilWarm: true });
  try {
    return await measureHttp(`GET /api/search, result cache off${workers > 1 ? `, ${workers} workers` : ""}`, server.url, paths, seconds, checks);
  } finally {
    await server.stop();
  }
}

/** The floor: Express answering a fixed JSON object, in its own process like our server. */
export async function measureHelloFloor(paths: readonly string[], seconds: number, checks: Checks): Promise<HttpRun> {
  const hello = await spawnListening("dist/bench/hello-server.js", []);
  try {
    return await measureHttp("express hello-world", hello.url, paths, seconds, checks);
  } finally {
    await hello.stop();
  }
}
