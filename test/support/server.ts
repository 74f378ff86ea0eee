// Starts the real server (`node dist/src/cli/serve.js`) on a free port over a temporary index, the
// way a user runs it, and stops it after the tests.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface RunningServer {
  url: string;
  seedsDir: string;
  indexDir: string;
  output: () => string;
  stop: () => Promise<void>;
}

export const REPO = process.cwd();

/** A seeds directory holding the five bundled pages and the JSONL fixture (with its malformed lines). */
export function makeSeedsDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zh-news-seeds-"));
  cpSync(path.join(REPO, "seeds"), dir, { recursive: true });
  cpSync(path.join(REPO, "test/fixtures/records.jsonl"), path.join(dir, "records.jsonl"));
  return dir;
}

export async function startServer(options: { seedsDir?: string; indexDir?: string; extraArgs?: string[] } = {}): Promise<RunningServer> {
  const seedsDir = options.seedsDir ?? makeSeedsDir();
  const indexDir = options.indexDir ?? path.join(mkdtempSync(path.join(os.tmpdir(), "zh-news-index-")), "index");
  mkdirSync(indexDir, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    ["dist/src/cli/serve.js", "--seeds", seedsDir, "--index", indexDir, "--port", "0", ...(options.extraArgs ?? [])],
    { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PORT: "" } },
  );
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/localhost:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  return {
    url,
    seedsDir,
    indexDir,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
