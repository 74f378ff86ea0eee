// Child processes the bench starts: servers (ours and the Express floor) that announce
// `listening on http://localhost:<port>`, and a few facts about them.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, from dist/bench/child.js. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface ListeningChild {
  child: ChildProcess;
  pid: number;
  url: string;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
  output: () => string;
  /** Settles once an embedded server says it has warmed up (WARMED_UP); never for other children. */
  warm: Promise<void>;
  stop: () => Promise<void>;
}

/** How to stop each child still running, so that a step abandoned at its deadline (or a failed run) leaves none behind. */
const running = new Set<() => Promise<void>>();

/** Stops every child still running. */
export async function stopChildren(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

/** A server busy past its deadline may not get to its SIGTERM handler soon: it is killed after this long. */
const KILL_AFTER_MS = 10_000;

/** What an embedded server prints once what it derives from its index is built (src/cli/serve.ts). */
const WARMED_UP = /warmed up in \d+ ms/;

/**
 * Runs `node <script> <args>` from the repository root and resolves once it prints its URL, or with
 * `untilWarm`, once it also says it has warmed up: a server listens before its warm-up, and requests
 * in those seconds (about 5 s on the full corpus) would be timed against the warm-up's own work.
 */
export async function spawnListening(script: string, args: readonly string[], { untilWarm = false } = {}): Promise<ListeningChild> {
  // The port comes from the arguments only, never from a PORT the caller's shell may have set.
  const env = { ...process.env };
  delete env.PORT;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [script, ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env });
  let output = "";
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill("SIGTERM");
    });
  running.add(stop);
  child.once("exit", () => running.delete(stop));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/localhost:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before listening:\n${output}`)));
    child.once("error", reject);
  });
  const warm = new Promise<void>((resolve, reject) => {
    const onData = (): void => {
      if (WARMED_UP.test(output)) resolve();
    };
    onData();
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before it warmed up:\n${output}`)));
  });
  warm.catch(() => {}); // awaited only by those who ask for it
  if (untilWarm) await warm;
  if (child.pid === undefined) throw new Error(`${script}: no pid`);
  return { child, pid: child.pid, url, spawnedAt, output: () => output, warm, stop };
}

/**
 * How much longer than on an idle machine a step may take here: the load average per core, at
 * least 1. On this shared 2-core machine, at a load of 15–22, the cache-off HTTP step saw answers
 * take over autocannon's 10 s (663 answers in 10 s, 14 timeouts; none at a load of 6) and the whole
 * bench ended without a figure. Time limits are stretched by it; slow answers still count in p99.
 */
export function loadStretch(): number {
  return Math.max(1, os.loadavg()[0]! / os.cpus().length);
}

/** Resident set size of a process, from /proc/<pid>/status (VmRSS, in kB). */
export function rssMegabytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** The fields of /proc/<pid>/stat after the command name; undefined once the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  } catch {
    return undefined;
  }
}

/** CPU seconds the process has used (user + system, all its threads), from /proc/<pid>/stat; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S : 0; // utime, stime (fields 14 and 15)
}

/** The process and its children (a PostgreSQL server: the postmaster and its backends), from /proc. */
export function processFamily(pid: number): number[] {
  const children = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => statFields(child)?.[1] === String(pid)); // ppid (field 4)
  return [pid, ...children];
}
