// One build at a time per index directory. The lock file holds the builder's pid, so a lock left
// by a process that died (SIGKILL, power loss) is recognised and taken over.
import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ioError, SearchError } from "../errors.js";
import { LOCK_FILE } from "./format.js";

/** Held while a stale lock is checked and removed; see removeIfStale. */
const TAKEOVER_SUFFIX = ".takeover";
/** How often, and how long apart, to try again while another process takes a stale lock over. */
const ATTEMPTS = 50;
const RETRY_MS = 10;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid a lock-like file names, or undefined when it is gone. */
function readHolder(file: string): { text: string; pid: number } | undefined {
  try {
    const text = readFileSync(file, "utf8");
    return { text, pid: Number.parseInt(text, 10) };
  } catch {
    return undefined;
  }
}

const isLive = (holder: { pid: number }): boolean => Number.isInteger(holder.pid) && holder.pid !== process.pid && isAlive(holder.pid);

/** Creates `file` holding our pid, atomically, unless it exists. */
function createExclusive(file: string): boolean {
  // The pid goes into a file of our own first, which is then linked to the name: a reader never
  // sees the file empty (a build starting in between once read no pid and took the lock for stale).
  const own = `${file}.${process.pid}`;
  try {
    writeFileSync(own, `${process.pid}\n`);
    linkSync(own, file);
    return true;
  } catch (error) {
    // A read-only directory or a full disk: said as such (a server then serves the index as it is).
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(`cannot write the build lock ${file}`, error);
    return false;
  } finally {
    rmSync(own, { force: true });
  }
}

/**
 * Removes the lock if it still holds `stale`, under a second, short-lived lock. Fix: two builds
 * that found the same stale lock both removed "it", and the later removal could hit the fresh lock
 * the other had just taken: both then built. Now one of them checks and removes while holding the
 * takeover file; the other finds it held and tries again. Returns false when it must try again.
 */
function removeIfStale(lockPath: string, stale: string): boolean {
  const takeover = lockPath + TAKEOVER_SUFFIX;
  if (!createExclusive(takeover)) {
    const holder = readHolder(takeover);
    // Its holder died within the few microseconds it holds it: clear it and try again.
    if (holder && !isLive(holder)) rmSync(takeover, { force: true });
    return false;
  }
  try {
    if (readHolder(lockPath)?.text === stale) rmSync(lockPath, { force: true });
    return true;
  } finally {
    rmSync(takeover, { force: true });
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the lock or throws, naming the pid that holds it. Returns the release function. */
export function acquireBuildLock(indexDir: string): () => void {
  const lockPath = path.join(indexDir, LOCK_FILE);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createExclusive(lockPath)) return () => rmSync(lockPath, { force: true });
    const holder = readHolder(lockPath);
    if (!holder) continue; // released meanwhile
    if (isLive(holder)) {
      throw new SearchError(`another build (pid ${holder.pid}) is writing ${indexDir}`, "wait for it to finish; if no build is running, delete " + lockPath);
    }
    if (!removeIfStale(lockPath, holder.text)) sleepSync(RETRY_MS);
  }
  throw new SearchError(`could not take the build lock ${lockPath}`, "another build is taking it over from a build that died; try again");
}
