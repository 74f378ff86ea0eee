// Scenario: server start. The real server (`dist/src/cli/serve.js`) is spawned on the full index and
// timed to its first successful /api/search answer; its floor is a process that only reads the index
// files and loads jieba (load-floor.ts). The server's RSS is read right after that first answer.
// The two alternate a few times and the medians count: on a shared machine one start says little.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Checks } from "./checks.js";
import { REPO, rssMegabytes, spawnListening, type ListeningChild } from "./child.js";
import { percentile } from "./stats.js";

const run = promisify(execFile);

/** A title query whose target article is in the index: the first answer must find it. */
export interface Probe {
  query: string;
  target: string;
}

export interface LoadFigures {
  /** Medians over the starts. */
  load_ms: number;
  load_floor_ms: number;
  /** Of the server left running. */
  rss_mb: number;
}

/** Starts the server `starts` times, each after a floor run; the last server is left running for the HTTP scenario. */
export async function measureStarts(
  seedsDir: string,
  indexDir: string,
  indexBytes: number,
  probe: Probe,
  starts: number,
  checks: Checks,
): Promise<{ server: ListeningChild; figures: LoadFigures }> {
  const floors: number[] = [];
  const loads: number[] = [];
  let server: ListeningChild | undefined;
  try {
    for (let i = 0; i < starts; i++) {
      await server?.stop();
      floors.push(await measureLoadFloor(indexDir, indexBytes, checks));
      const started = await startServerTimed(seedsDir, indexDir, probe, checks);
      server = started.server;
      loads.push(started.load_ms);
    }
  } catch (error) {
    await server?.stop();
    throw error;
  }
  if (!server) throw new Error("no server start (starts must be 1 or more)");
  return { server, figures: { load_ms: percentile(loads, 50), load_floor_ms: percentile(floors, 50), rss_mb: rssMegabytes(server.pid) } };
}

async function measureLoadFloor(indexDir: string, indexBytes: number, checks: Checks): Promise<number> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ["dist/bench/load-floor.js", indexDir], { cwd: REPO });
  const ms = performance.now() - started;
  const read = JSON.parse(stdout) as { files: number; bytes: number };
  checks.expect(read.bytes === indexBytes, `load floor: read ${read.files} files, ${read.bytes} bytes; expected the index's ${indexBytes}`);
  return ms;
}

interface ApiAnswer {
  total: number;
  hits: Array<{ id: string }>;
}

/** Starts the server and leaves it running; the caller stops it. */
async function startServerTimed(seedsDir: string, indexDir: string, probe: Probe, checks: Checks): Promise<{ server: ListeningChild; load_ms: number }> {
  const server = await spawnListening("dist/src/cli/serve.js", ["--seeds", seedsDir, "--index", indexDir, "--port", "0"]);
  try {
    const response = await fetch(`${server.url}/api/search?q=${encodeURIComponent(probe.query)}`);
    const text = await response.text();
    const load_ms = performance.now() - server.spawnedAt;
    checks.expect(response.status === 200, `server: first /api/search answered ${response.status}, expected 200${response.status === 200 ? "" : `: ${text.slice(0, 300)}`}`);
    // A server that rebuilt the index would be timing a build, not a load.
    const upToDate = server.output().includes("index is up to date");
    checks.expect(upToDate, upToDate ? "server: started on the index as built (no rebuild)" : `server: rebuilt the index at start instead of loading it:\n${server.output()}`);
    const answer = JSON.parse(text) as ApiAnswer;
    const ids = answer.hits.map((hit) => hit.id);
    checks.expect(
      answer.total > 0 && ids.includes(probe.target),
      `server: first answer to ${probe.query} has ${answer.total} hits, target ${probe.target} ${ids.includes(probe.target) ? "among" : "NOT among"} the top ${ids.length}`,
    );
    return { server, load_ms };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
