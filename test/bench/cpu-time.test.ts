// The bench's CPU accounting (bench/child.ts), read from /proc: the "CPU per answer" rows of
// `npm run bench -- --backend postgres` add up a server's process and a database's family with it.
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { cpuSeconds, processFamily } from "../../bench/child.js";

/** A child that spins until it has used `seconds` of CPU by its own count, says so, then idles until killed. */
async function spinningChild(seconds: number): Promise<ChildProcess> {
  const script = `const u = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; }; while (u() < ${seconds}); console.log("spun"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await once(child.stdout!, "data");
  return child;
}

describe("bench: CPU time from /proc", function () {
  if (process.platform !== "linux") return;

  it("counts a process's CPU seconds, finds it among its parent's family, and gives 0 once it is gone", async () => {
    const child = await spinningChild(0.3);
    try {
      const family = processFamily(process.pid);
      expect(family[0]).to.equal(process.pid);
      expect(family).to.include(child.pid);
      expect(cpuSeconds(child.pid!)).to.be.at.least(0.25); // clock ticks of 10 ms
    } finally {
      child.kill();
      await once(child, "exit");
    }
    expect(cpuSeconds(child.pid!)).to.equal(0);
    expect(processFamily(process.pid)).not.to.include(child.pid);
  });
});
