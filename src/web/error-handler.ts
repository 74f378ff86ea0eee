// The last middleware: known errors become 4xx/503 with their message and stable code (JSON under /api,
// the error page elsewhere); anything else is a 500 that is logged but does not leak a stack trace.
import type { ErrorRequestHandler, Response } from "express";
import { DatabaseUnavailableError, InvalidParameterError, NotFoundError, NotOnBackendError, QueryParseError, QueryTooExpensiveError, SearchError, ServerBusyError, ShardUnavailableError, type ErrorCode } from "../errors.js";

function statusOf(error: unknown): number {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof QueryParseError || error instanceof InvalidParameterError) return 400;
  if (error instanceof QueryTooExpensiveError || error instanceof ServerBusyError || error instanceof DatabaseUnavailableError || error instanceof ShardUnavailableError) return 503;
  if (error instanceof NotOnBackendError) return 501;
  const status = (error as { status?: unknown }).status; // body-parser and friends
  if (typeof status === "number" && status >= 400 && status < 500) return status;
  return 500;
}

/** Sets the error's status (and Retry-After when the server is busy) on the response; returns the status. */
export function setErrorStatus(error: unknown, response: Response): number {
  const status = statusOf(error);
  response.status(status);
  if (error instanceof ServerBusyError || error instanceof DatabaseUnavailableError) response.set("Retry-After", String(error.retryAfterSeconds));
  return status;
}

export const errorHandler: ErrorRequestHandler = (error: unknown, request, response, _next) => {
  const status = setErrorStatus(error, response);
  const message = status === 500 ? "服务器出错，未能回答这个请求：请稍后再试；若一再出现，请告诉管理员（详情在服务器日志里）" : (error as Error).message;
  if (status === 500) console.error(`${request.method} ${request.originalUrl} failed:`, error);
  const code: ErrorCode = status === 500 ? "internal_error" : error instanceof SearchError ? error.code : "invalid_parameter";
  const body: Record<string, unknown> = { error: message, code };
  if (error instanceof QueryParseError) body.position = { start: error.start, end: error.end };
  if (error instanceof InvalidParameterError) body.parameter = error.parameter;
  if (error instanceof SearchError && error.hint) body.hint = error.hint;
  if (request.path.startsWith("/api/") || request.path === "/healthz") {
    response.json(body);
  } else {
    response.render("error", { status, message, hint: body.hint, typed: "" });
  }
};
