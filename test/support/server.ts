// Starts the real server (`node dist/src/cli/serve.js`) on a free port over a temporary index, the
// way a user runs it, and stops it after the tests (removing the temporary directories it made).
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface RunningServer {
  url: string;
  /** The process started (with --workers, the primary). */
  pid: number;
  seedsDir: string;
  indexDir: string;
  output: () => string;
  /** SIGTERM, then resolves with the exit code once the process has exited. */
  stop: () => Promise<number | null>;
}

export const REPO = process.cwd();

/** A seeds directory holding the five bundled pages, the JSONL fixture (with its malformed lines) and `extra` fixtures. */
function makeSeedsDir(extra: readonly string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zh-news-seeds-"));
  cpSync(path.join(REPO, "seeds"), dir, { recursive: true });
  for (const fixture of ["test/fixtures/records.jsonl", ...extra]) cpSync(path.join(REPO, fixture), path.join(dir, path.basename(fixture)));
  return dir;
}

export async function startServer(
  /** `prefix`: a command that runs node, e.g. as another user (unprivilegedPrefix() in index-fixtures.ts). */
  options: { seedsDir?: string; indexDir?: string; extraArgs?: string[]; extraSeeds?: string[]; prefix?: readonly string[] } = {},
): Promise<RunningServer> {
  const made: string[] = [];
  let seedsDir = options.seedsDir;
  if (!seedsDir) made.push((seedsDir = makeSeedsDir(options.extraSeeds ?? [])));
  let indexDir = options.indexDir;
  if (!indexDir) {
    const parent = mkdtempSync(path.join(os.tmpdir(), "zh-news-index-"));
    made.push(parent);
    indexDir = path.join(parent, "index");
  }
  const removeMade = (): void => made.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(indexDir, { recursive: true });
  const [command, ...args] = [...(options.prefix ?? []), process.execPath, "dist/src/cli/serve.js", "--seeds", seedsDir, "--index", indexDir, "--port", "0", ...(options.extraArgs ?? [])];
  const child: ChildProcess = spawn(command!, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PORT: "" } });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/localhost:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      removeMade();
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    seedsDir,
    indexDir,
    output: () => output,
    stop: () =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }).then((code) => {
        removeMade();
        return code;
      }),
  };
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
