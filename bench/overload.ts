// Scenario: overload. Clients send the worst queries there are (occurrence lists of the commonest
// characters, deep pages) to a server with its result cache off, while one client asks a cheap query:
// the cheap query's latency, and how long the server stays busy after the expensive load stops.
import autocannon from "autocannon";
import { setTimeout as sleep } from "node:timers/promises";
import type { Checks } from "./checks.js";
import { cpuSeconds, spawnListening } from "./child.js";

export const WORST_CLIENTS = 8;
const CHEAP_PATH = `/api/search?q=${encodeURIComponent("北京")}`;
/** Each needs seconds of CPU on the full corpus without a budget (the 的 list: 4.7 s when issue 13 was filed). */
const WORST_PATHS = [
  `/api/occurrences?q=${encodeURIComponent("的 OR 一 OR 是 OR 在 OR 了 OR 和 OR 有 OR 人 OR 中 OR 国")}&page=500&size=100`,
  `/api/occurrences?q=${encodeURIComponent('"中国"')}&page=500&size=100`,
  `/api/search?q=${encodeURIComponent("的 OR 是 OR 了")}&page=500&size=50&sort=date`,
];
/** The server counts as idle once a window this long used less than IDLE_SHARE of a core. */
const IDLE_WINDOW_MS = 200;
const IDLE_SHARE = 0.1;

export interface OverloadFigures {
  overload_cheap_p50_ms: number;
  overload_cheap_p99_ms: number;
  overload_cheap_requests: number;
  /** Worst-query answers: complete (200), stopped by the budget or refused as busy (503). */
  overload_worst_ok: number;
  overload_worst_503: number;
  /** From the end of the expensive load to the start of the first idle window. */
  overload_idle_s: number;
}

async function secondsUntilIdle(pid: number, since: number): Promise<number> {
  for (;;) {
    const start = performance.now();
    const before = cpuSeconds(pid);
    await sleep(IDLE_WINDOW_MS);
    if (cpuSeconds(pid) - before < (IDLE_SHARE * IDLE_WINDOW_MS) / 1000) return (start - since) / 1000;
    if (start - since > 30_000) return Infinity;
  }
}

export async function measureOverload(seedsDir: string, indexDir: string, seconds: number, checks: Checks): Promise<OverloadFigures> {
  const server = await spawnListening("dist/src/cli/serve.js", ["--seeds", seedsDir, "--index", indexDir, "--port", "0", "--result-cache", "0"], { untilWarm: true });
  try {
    await autocannon({ url: server.url, connections: 1, amount: 20, requests: [{ path: CHEAP_PATH }] }); // warm
    let next = 0;
    const worst = autocannon({
      url: server.url,
      connections: WORST_CLIENTS,
      duration: seconds + 2,
      requests: [{ setupRequest: (request) => ({ ...request, path: WORST_PATHS[next++ % WORST_PATHS.length]! }) }],
    });
    await sleep(1000);
    const cheap = await autocannon({ url: server.url, connections: 1, duration: seconds, requests: [{ path: CHEAP_PATH }] });
    const worstResult = await worst;
    const idle = await secondsUntilIdle(server.pid, performance.now());
    const statuses = worstResult.statusCodeStats as Record<string, { count: number } | undefined>;
    const ok = statuses["200"]?.count ?? 0;
    const unavailable = statuses["503"]?.count ?? 0;
    checks.expect(
      cheap["2xx"] > 0 && cheap.non2xx === 0 && cheap.errors === 0 && cheap.timeouts === 0,
      `overload, cheap query: ${cheap["2xx"]} 2xx, ${cheap.non2xx} non-2xx, ${cheap.errors} errors, ${cheap.timeouts} timeouts; expected only 2xx`,
    );
    checks.expect(
      ok + unavailable > 0 && ok + unavailable === worstResult["2xx"] + worstResult.non2xx,
      `overload, worst queries: ${ok} × 200 and ${unavailable} × 503 of ${worstResult["2xx"] + worstResult.non2xx} answers; expected no other status`,
    );
    return {
      overload_cheap_p50_ms: cheap.latency.p50,
      overload_cheap_p99_ms: cheap.latency.p99,
      overload_cheap_requests: cheap["2xx"],
      overload_worst_ok: ok,
      overload_worst_503: unavailable,
      overload_idle_s: idle,
    };
  } finally {
    await server.stop();
  }
}
