// `sluice run http --proto tcp` on AF_XDP against curl and wrk from Debian in a peer namespace, for
// both implementations: native (C++) and `--impl ts` (@sluice/apps-ts on the queue API).
import { describe, expect, it } from "vitest";
import { SLUICE_IP, withSluiceServer, xdpRunArgs } from "./support/sluice-server.js";

const httpArgs = xdpRunArgs("http", ["--port", "80", "--proto", "tcp"]);
const IMPLS = ["native", "ts"] as const;

describe("http over AF_XDP against curl and wrk", () => {
  const hosts = withSluiceServer();

  const curl = async (...args: string[]) =>
    (await hosts.net.exec("peer", ["curl", "-sS", "--max-time", "10", ...args], { timeoutMs: 20_000 })).stdout;

  it.each(IMPLS)("%s: answers curl: GET /, GET /stats as JSON, 404 and 405", async (impl) => {
    const sluice = await hosts.start([...httpArgs, "--impl", impl]);
    expect(sluice.readyLine).toBe(`ready http tcp ${SLUICE_IP}:80 backend=xdp`);
    expect(await curl(`http://${SLUICE_IP}/`)).toBe("Hello from Sluice\n");
    const stats = JSON.parse(await curl(`http://${SLUICE_IP}/stats`)) as Record<string, Record<string, number>>;
    expect(stats.device?.rx_packets).toBeGreaterThan(0);
    expect(stats.tcp?.rx_segments).toBeGreaterThan(0);
    expect(stats.app?.requests).toBeGreaterThanOrEqual(1); // the GET / before it
    const notFound = await curl("-o", "/dev/null", "-w", "%{http_code}", `http://${SLUICE_IP}/nope`);
    expect(notFound).toBe("404");
    const notAllowed = await curl("-X", "DELETE", "-o", "/dev/null", "-w", "%{http_code}", `http://${SLUICE_IP}/`);
    expect(notAllowed).toBe("405");
    // Two requests on one kept-alive connection: curl reports reusing it.
    const reuse = await hosts.net.exec("peer", ["curl", "-sv", `http://${SLUICE_IP}/`, `http://${SLUICE_IP}/stats`], {
      timeoutMs: 20_000,
    });
    expect(reuse.stderr).toMatch(/Re-using existing connection/);
    const stopped = await hosts.stop();
    expect(stopped.counters?.app).toMatchObject({
      requests: 6,
      responses_2xx: 4,
      responses_4xx: 2,
      protocol_errors: 0,
    });
  });

  it.each(IMPLS)("%s: serves wrk -d 2 -c 4 with no socket errors", async (impl) => {
    await hosts.start([...httpArgs, "--impl", impl]);
    const out = await hosts.net.exec("peer", ["wrk", "-d", "2", "-c", "4", "-t", "1", `http://${SLUICE_IP}/`], {
      timeoutMs: 60_000,
    });
    const requests = Number(/(\d+) requests in/.exec(out.stdout)?.[1] ?? "0");
    expect(requests).toBeGreaterThan(0);
    expect(out.stdout).not.toMatch(/Socket errors/);
    expect(out.stdout).not.toMatch(/Non-2xx/);
    const stopped = await hosts.stop();
    expect(stopped.counters?.app?.responses_2xx).toBeGreaterThanOrEqual(requests);
    expect(stopped.counters?.app?.protocol_errors).toBe(0);
  });
});
