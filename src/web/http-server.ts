// The HTTP server around the app: idle timeouts above those of common proxies, and a body for the
// errors Node answers by itself before Express sees a request (431: the URL or headers too long).
import type { Express } from "express";
import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorCode } from "../errors.js";
import { MAX_QUERY_LENGTH } from "../search/query-parser.js";

/**
 * A kept-alive connection stays open this long when idle. Above the 60 s of common proxies and load
 * balancers (nginx, AWS ALB): with Node's default 5 s, the server closed connections a proxy was
 * about to reuse, and the proxy's request failed with ECONNRESET.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Must exceed the keep-alive timeout, or a slow next request on a kept connection is cut at the wrong moment. */
export const HEADERS_TIMEOUT_MS = 66_000;

const MAX_HEADER_KIB = 16; // Node's default --max-http-header-size

interface ClientError extends Error {
  code?: string;
  rawPacket?: Buffer;
}

const REASONS: Readonly<Record<number, string>> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

function explain(status: number): { code: ErrorCode; message: string } {
  if (status === 431) {
    return { code: "headers_too_large", message: `网址或请求头超过 ${MAX_HEADER_KIB} KiB：请缩短网址（检索词最多 ${MAX_QUERY_LENGTH} 个字符）` };
  }
  if (status === 408) return { code: "request_timeout", message: "请求头没有及时送达：请重新发送请求" };
  return { code: "bad_request", message: "这不是有效的 HTTP 请求：请检查发出它的程序" };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Node's default handler answers these with a status line only; the client deserves to know why. */
function answerClientError(error: ClientError, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const { code, message } = explain(status);
  const requestLine = error.rawPacket?.toString("latin1", 0, 64) ?? "";
  const [type, body] = /^[A-Z]+ \/api\//.test(requestLine)
    ? ["application/json; charset=utf-8", JSON.stringify({ error: message, code })]
    : ["text/html; charset=utf-8", `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>${status} - 新闻检索</title><p>${escapeHtml(message)}</p></html>`];
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createHttpServer(app: Express): Server {
  const server = createServer(app);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.on("clientError", answerClientError);
  return server;
}
