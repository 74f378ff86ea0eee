// Open-loop HTTP load: requests sent at a steady rate whatever the answers (as wrk2 sends them), over
// a fixed number of keep-alive connections, each answer's latency counted from the moment it was due
// (a request that waits for a free connection counts its wait). A closed loop (autocannon) measures
// the latency of a saturated server, which is connections / throughput; this measures what readers
// wait at a given rate. autocannon's own rate limit is no substitute: each connection sends its
// quota for the second at once, then idles, a burst at every second's start.
import http from "node:http";
import { percentile } from "./stats.js";

export interface SteadyFigures {
  offered_rps: number;
  /** 2xx answers. */
  answered: number;
  /** Not 2xx, errors, and requests still unanswered when the run ended. */
  failed: number;
  p50_ms: number;
  p99_ms: number;
}

/** How long the requests still open at the end may take before they count as failed. */
const DRAIN_MS = 10_000;

/**
 * `rps` requests per second for `seconds`, spread over `servers` in turn, `connections` in all, the
 * paths in turn.
 */
export async function steadyLoad(servers: readonly string[], paths: readonly string[], options: { rps: number; seconds: number; connections: number }): Promise<SteadyFigures> {
  const targets = servers.map((url) => ({ url: new URL(url), agent: new http.Agent({ keepAlive: true, maxSockets: Math.max(1, Math.floor(options.connections / servers.length)) }) }));
  const total = Math.max(1, Math.round(options.rps * options.seconds));
  const interval = 1000 / options.rps;
  const latencies: number[] = [];
  let failed = 0;
  let sent = 0;
  let open = 0;
  let allAnswered: () => void = () => {};
  const answered = new Promise<void>((resolve) => (allAnswered = resolve));

  const send = (i: number, due: number): void => {
    const { url, agent } = targets[i % targets.length]!;
    open++;
    const done = (ok: boolean): void => {
      if (ok) latencies.push(performance.now() - due);
      else failed++;
      if (--open === 0 && sent === total) allAnswered();
    };
    http
      .get({ host: url.hostname, port: url.port, path: paths[i % paths.length]!, agent }, (response) => {
        response.resume();
        response.on("end", () => done(response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300));
        response.on("error", () => done(false));
      })
      .on("error", () => done(false));
  };

  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      for (; sent < total && start + sent * interval <= now; sent++) send(sent, start + sent * interval);
      if (sent === total) resolve();
      else setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  if (open > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([answered, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(timer);
  }
  failed += open;
  for (const { agent } of targets) agent.destroy();
  return { offered_rps: options.rps, answered: latencies.length, failed, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) };
}
