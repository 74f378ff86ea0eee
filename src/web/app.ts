// createApp wires the routes; it never listens (cli/serve.ts owns the port), so tests drive the real app.
import express, { type Express } from "express";
import helmet from "helmet";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ReaderSource } from "../search/backend.js";
import { Answers } from "./answers.js";
import { NotFoundError } from "../errors.js";
import { errorHandler } from "./error-handler.js";
import { DEFAULT_SCHEDULER, type SchedulerOptions } from "./query-scheduler.js";
import { apiRouter } from "./routes-api.js";
import { pagesRouter } from "./routes-pages.js";

const VIEWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../views");

export interface AppOptions {
  /** Answers kept per kind (search, occurrences) for each index generation; 0 turns the cache off. */
  resultCacheEntries?: number;
  /** The time budget of a request and the queue of expensive queries (query-scheduler.ts). */
  scheduling?: Partial<SchedulerOptions>;
}

export const DEFAULT_RESULT_CACHE_ENTRIES = 1000;

export function createApp(source: ReaderSource, options: AppOptions = {}): Express {
  const answers = new Answers(options.resultCacheEntries ?? DEFAULT_RESULT_CACHE_ENTRIES, { ...DEFAULT_SCHEDULER, ...options.scheduling });
  const app = express();
  app.set("views", VIEWS);
  app.set("view engine", "ejs");
  app.set("query parser", "simple"); // q=a&q=b stays a list we reject; no nested objects
  app.disable("x-powered-by");
  // Every answer carries its own took_ms, so a body is never sent twice and an ETag (a sha1 of each
  // body, 3.5% of a cached answer's CPU) could never match. Static files keep theirs.
  app.set("etag", false);
  app.use(helmet());
  app.use("/static", express.static(path.join(VIEWS, "static"), { maxAge: "1h" }));
  // Browsers ask for /favicon.ico whatever the page links; answering it keeps 404s out of the log.
  app.get("/favicon.ico", (_request, response) => response.sendFile(path.join(VIEWS, "static", "favicon.ico"), { maxAge: "1d" }));
  app.get("/healthz", async (_request, response) => {
    const reader = source.current();
    const { articles, generation, builtAt, databases } = await reader.status();
    // pid: which process answered, when --workers runs several.
    response.json({ status: "ok", backend: reader.backend, pid: process.pid, articles, generation, built_at: builtAt, ...(databases ? { databases } : {}), result_cache: answers.cacheStats() });
  });
  app.use("/api", apiRouter(source, answers));
  app.use(pagesRouter(source, answers));
  app.use((request, _response, next) => next(new NotFoundError(`没有这个页面：${request.path}。请从首页开始检索`)));
  app.use(errorHandler);
  return app;
}
