// The bench's open-loop load (bench/steady-rate.ts) against a local server whose answers take a known
// time: every request is sent on schedule and each latency counts from when it was due, so a server
// that falls behind shows its queue (a closed loop would report the service time alone).
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { steadyLoad } from "../../bench/steady-rate.js";

/** A server answering each request after `delayMs`; `/fail` with 503. */
async function slowServer(delayMs: number): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((request, response) => {
    seen.push(request.url!);
    setTimeout(() => {
      response.statusCode = request.url === "/fail" ? 503 : 200;
      response.end("ok");
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("bench: steady-rate load", () => {
  it("sends rate × seconds requests, the paths in turn, and counts non-2xx answers as failed", async () => {
    const server = await slowServer(5);
    try {
      const figures = await steadyLoad([server.url], ["/a", "/fail", "/b", "/c"], { rps: 40, seconds: 1, connections: 8 });
      expect(figures).to.include({ offered_rps: 40, answered: 30, failed: 10 });
      expect(server.seen.slice(0, 5)).to.deep.equal(["/a", "/fail", "/b", "/c", "/a"]);
      expect(figures.p50_ms).to.be.at.least(5);
    } finally {
      await server.close();
    }
  });

  it("counts each latency from when its request was due, so the wait for a connection is in it", async () => {
    // One connection, 25 ms an answer: 40 answers a second at most, 100 due in one second. The last
    // is due at 990 ms and answered at about 2,500 ms; each answer itself took 25 ms.
    const server = await slowServer(25);
    try {
      const figures = await steadyLoad([server.url], ["/a"], { rps: 100, seconds: 1, connections: 1 });
      expect(figures).to.include({ answered: 100, failed: 0 });
      expect(figures.p99_ms).to.be.above(1000);
    } finally {
      await server.close();
    }
  });
});
