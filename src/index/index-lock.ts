// One build at a time per index directory. The lock file holds the builder's pid, so a lock left
// by a process that died (SIGKILL, power loss) is recognised and taken over.
import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SearchError } from "../errors.js";
import { LOCK_FILE } from "./format.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock or throws, naming the pid that holds it. Returns the release function. */
export function acquireBuildLock(indexDir: string): () => void {
  const lockPath = path.join(indexDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    // Fix: the lock file used to be created empty and written afterwards; a build starting in
    // between read no pid, took the lock for stale, removed it, and both builds ran. Now the pid is
    // written to a file of our own first, then linked to the lock name: atomic, and fails if it exists.
    const own = `${lockPath}.${process.pid}`;
    try {
      writeFileSync(own, `${process.pid}\n`);
      linkSync(own, lockPath);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let text: string;
      try {
        text = readFileSync(lockPath, "utf8");
      } catch {
        continue; // released meanwhile: try again
      }
      const holder = Number.parseInt(text, 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new SearchError(
          `another build (pid ${holder}) is writing ${indexDir}`,
          "wait for it to finish; if no build is running, delete " + lockPath,
        );
      }
      rmSync(lockPath, { force: true }); // stale: its builder is gone
    } finally {
      rmSync(own, { force: true });
    }
  }
  throw new SearchError(`could not take the build lock ${lockPath}`, "another build started at the same moment; try again");
}
