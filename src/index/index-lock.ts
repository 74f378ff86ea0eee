// One build at a time per index directory. The lock file holds the builder's pid, so a lock left
// by a process that died (SIGKILL, power loss) is recognised and taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
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
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new SearchError(
          `another build (pid ${holder}) is writing ${indexDir}`,
          "wait for it to finish; if no build is running, delete " + lockPath,
        );
      }
      rmSync(lockPath, { force: true }); // stale: its builder is gone
    }
  }
  throw new SearchError(`could not take the build lock ${lockPath}`, "another build started at the same moment; try again");
}
