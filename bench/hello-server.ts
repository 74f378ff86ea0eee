// The HTTP floor: an Express app with one JSON route on the path our API uses, nothing else.
import express from "express";
import type { AddressInfo } from "node:net";

const app = express();
app.get("/api/search", (_request, response) => {
  response.json({ hello: "world" });
});
const server = app.listen(0, () => {
  console.log(`listening on http://localhost:${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
