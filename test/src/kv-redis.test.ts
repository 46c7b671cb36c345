// `sluice run kv --proto tcp` on AF_XDP against Debian's own Redis clients in a peer namespace:
// redis-cli for each command family and a protocol error, redis-benchmark for pipelined load. Each
// runs against both implementations: native (C++) and `--impl ts` (@sluice/apps-ts on the queue API).
import { describe, expect, it } from "vitest";
import { sluiceBin } from "./support/sluice-process.js";
import { SLUICE_IP, withSluiceServer, xdpRunArgs } from "./support/sluice-server.js";

const kvArgs = xdpRunArgs("kv");
const kvArgsWithPort = [...kvArgs, "--port", "6379", "--proto", "tcp"];
const IMPLS = ["native", "ts"] as const;
const withImpl = (impl: (typeof IMPLS)[number], args: string[]) => [...args, "--impl", impl];

// Sends raw bytes and collects everything until the server closes (or 5 s pass).
const rawExchange = `
const net = require("node:net");
const socket = net.connect(6379, process.argv[1]);
let reply = "";
socket.setEncoding("latin1");
socket.on("connect", () => socket.write(Buffer.from(process.argv[2], "base64")));
socket.on("data", (d) => (reply += d));
const timer = setTimeout(() => { console.log(JSON.stringify({ reply, closed: false })); process.exit(0); }, 5000);
socket.on("close", () => { clearTimeout(timer); console.log(JSON.stringify({ reply, closed: true })); });
socket.on("error", (e) => { clearTimeout(timer); console.log(JSON.stringify({ reply, closed: true, error: e.code })); });
`;

describe("kv over AF_XDP against redis-cli and redis-benchmark", () => {
  const hosts = withSluiceServer();

  const cli = async (...args: string[]) => {
    const out = await hosts.net.exec("peer", ["redis-cli", "-h", SLUICE_IP, "-p", "6379", ...args], {
      timeoutMs: 20_000,
    });
    return out.stdout.trim();
  };

  it.each(IMPLS)("%s: prints the ready line and answers redis-cli", async (impl) => {
    const sluice = await hosts.start(withImpl(impl, kvArgsWithPort));
    expect(sluice.readyLine).toBe(`ready kv tcp ${SLUICE_IP}:6379 backend=xdp`);
    expect(await cli("PING")).toBe("PONG");
    expect(await cli("SET", "greeting", "hello world")).toBe("OK");
    expect(await cli("GET", "greeting")).toBe("hello world");
    expect(await cli("GET", "missing")).toBe("");
    expect(await cli("INCR", "n")).toBe("1");
    expect(await cli("INCR", "n")).toBe("2");
    expect(await cli("DECR", "n")).toBe("1");
    expect(await cli("MSET", "a", "1", "b", "2")).toBe("OK");
    expect((await cli("MGET", "a", "missing", "b")).split("\n")).toEqual(["1", "", "2"]);
    expect(await cli("EXPIRE", "a", "100")).toBe("1");
    expect(Number(await cli("TTL", "a"))).toBeGreaterThan(95);
    expect(await cli("TTL", "b")).toBe("-1");
    expect(await cli("SET", "short", "v", "PX", "300")).toBe("OK");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await cli("TTL", "short")).toBe("-2");
    expect(await cli("EXISTS", "a", "b", "short")).toBe("2");
    expect(await cli("DBSIZE")).toBe("4");
    expect(await cli("INCR", "greeting")).toBe("ERR value is not an integer or out of range");
    expect(await cli("NOSUCHCOMMAND", "x")).toBe("ERR unknown command 'NOSUCHCOMMAND'");
    expect(await cli("INFO")).toMatch(/db0:keys=4,/);
    expect(await cli("FLUSHALL")).toBe("OK");
    expect(await cli("DBSIZE")).toBe("0");
    const stopped = await hosts.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.counters?.app?.commands).toBeGreaterThanOrEqual(21);
    expect(stopped.counters?.app?.protocol_errors).toBe(0);
  });

  it.each(IMPLS)(
    "%s: answers a framing error with -ERR Protocol error and closes cleanly, then keeps serving",
    async (impl) => {
      await hosts.start(withImpl(impl, kvArgsWithPort));
      const payload = Buffer.from("*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n").toString("base64");
      const out = await hosts.net.exec("peer", [process.execPath, "-e", rawExchange, SLUICE_IP, payload], {
        timeoutMs: 20_000,
      });
      expect(JSON.parse(out.stdout.trim())).toEqual({
        reply: "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n",
        closed: true,
      });
      expect(await cli("PING")).toBe("PONG");
      const stopped = await hosts.stop();
      expect(stopped.counters?.app?.protocol_errors).toBe(1);
      // The native carrier counts resets; the TS one counts failures it did not expect.
      if (impl === "native") expect(stopped.counters?.app?.reset).toBe(0);
      else expect(stopped.counters?.app?.carrier_errors).toBe(0);
    },
  );

  it.each(IMPLS)("%s: refuses writes beyond --kv-max-keys with -OOM", async (impl) => {
    await hosts.start(withImpl(impl, [...kvArgsWithPort, "--kv-max-keys", "2"]));
    expect(await cli("SET", "a", "1")).toBe("OK");
    expect(await cli("SET", "b", "1")).toBe("OK");
    expect(await cli("SET", "c", "1")).toBe("OOM command not allowed when used memory > 'maxmemory'.");
    expect(await cli("GET", "c")).toBe("");
  });

  it.each(IMPLS)("%s: serves redis-benchmark -t ping,set,get,incr,mset -n 20000 -P 16 without errors", async (impl) => {
    await hosts.start(withImpl(impl, kvArgsWithPort));
    const out = await hosts.net.exec(
      "peer",
      [
        "redis-benchmark",
        "-h",
        SLUICE_IP,
        "-p",
        "6379",
        "-t",
        "ping,set,get,incr,mset",
        "-n",
        "20000",
        "-P",
        "16",
        "-q",
      ],
      { timeoutMs: 120_000 },
    );
    const lines = out.stdout.split(/[\r\n]+/);
    const rates = new Map<string, number>();
    for (const line of lines) {
      const match = /^([A-Z_]+(?: \(.*\))?): ([\d.]+) requests per second/.exec(line.trim());
      if (match) rates.set(match[1]!, Number(match[2]));
    }
    expect([...rates.keys()].sort()).toEqual(["GET", "INCR", "MSET (10 keys)", "PING_INLINE", "PING_MBULK", "SET"]);
    for (const [test, rate] of rates) expect(rate, test).toBeGreaterThan(0);
    expect(`${out.stdout}${out.stderr}`).not.toMatch(/error/i);
    const stopped = await hosts.stop();
    // 20,000 of each of the six tests, plus what redis-benchmark asks at start.
    expect(stopped.counters?.app?.commands).toBeGreaterThanOrEqual(6 * 20_000);
    expect(stopped.counters?.app?.error_replies).toBe(0);
    expect(stopped.counters?.app?.protocol_errors).toBe(0);
  });

  it("refuses kv flags on another app as a usage error", async () => {
    const wrong = await hosts.net.exec(
      "sluice",
      [process.execPath, sluiceBin, "run", "echo", ...kvArgs.slice(2), "--port", "7", "--kv-max-keys", "5"],
      { check: false },
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--kv-max-keys and --kv-max-memory apply to the kv app only/);
  });
});
