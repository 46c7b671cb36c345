// The live path through the routers: an agent reports counters, a viewer's subscription gets the recent window
// and then each closed second; rollups land per minute and are pruned after a day; two replicas on one database
// (PGlite here, real Postgres under with-postgres.mjs) see each other's samples.
import { statsRollups } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Caller, rejection, TestControlPlane, useControlPlane } from "../../test-support/harness.js";
import { decodePayload, encodePayloads, MAX_PAYLOAD_BYTES } from "./bus.js";
import type { LiveSample } from "./rates.js";
import { pruneRollups, writeRollups } from "./rollups.js";
import { CLOSE_LAG_SECONDS } from "./service.js";
import type { LiveFrame } from "./store.js";

const plane = useControlPlane();
const GIGABIT = 125_000_000; // bytes in a second of 1 Gbit/s

/** A node with one echo instance, and a function that reports one second of its traffic. */
async function reportingNode(viewerName = "vera") {
  const operator = await plane().userCaller("otto", "operator");
  const viewer = await plane().userCaller(viewerName, "viewer");
  const { nodeId, agent, credential } = await plane().joinNode(operator, exampleInventory({ hostname: "edge-1" }));
  const { instanceId } = await operator.allocation.allocate({ nodeId, app: "echo", version: "1", cores: 1, queues: 1 });
  /** Reports `bytes` received and sent in the last second (and a packet per 1250 bytes): 125 MB is 1 Gbit/s. */
  const report = (agentCaller: Caller, bytes: number) =>
    agentCaller.agent.reportStats({
      samples: [
        {
          instanceId,
          at: plane().now,
          rxPackets: bytes / 1250,
          txPackets: bytes / 1250,
          rxBytes: bytes,
          txBytes: bytes,
          drops: 0,
        },
      ],
    });
  return { nodeId, instanceId, agent, credential, viewer, report };
}

type Tracked = { id: string; data: LiveFrame };

async function next(iterator: AsyncIterator<unknown>): Promise<Tracked> {
  const result = await iterator.next();
  if (result.done) throw new Error("subscription ended");
  // tracked() yields [id, data, symbol]; see @trpc/server's tracked().
  const [id, data] = result.value as [string, LiveFrame];
  return { id, data };
}

describe("live subscription", () => {
  it("sends the recent window first, then one frame per closed second, and resumes from lastEventId", async () => {
    const { nodeId, agent, viewer, report } = await reportingNode();
    for (let second = 0; second <= 10; second += 1) {
      await report(agent, GIGABIT);
      plane().advance(1000);
    }
    plane().live.tick(plane().now.getTime());
    const closed = plane().live.closedSecond!;
    const frames = (await viewer.live.watch({
      scope: { kind: "node", nodeId },
      windowSeconds: 30,
    })) as AsyncIterable<unknown>;
    const iterator = frames[Symbol.asyncIterator]();
    const backlog = await next(iterator);
    expect(backlog.id).toBe(String(closed));
    expect([backlog.data.from, backlog.data.to]).toEqual([closed - 29, closed]);
    const bits = backlog.data.series[`node:${nodeId}`]!.rxBits;
    expect(bits).toHaveLength(30);
    // Samples at 0..10 s, of which 0..(11 - lag) are closed; 1 Gbit/s each way.
    expect(bits.filter((value) => value !== null)).toEqual(Array(11 - CLOSE_LAG_SECONDS + 1).fill(1e9));

    await report(agent, 2 * GIGABIT); // twice as fast for a second
    plane().advance(3000);
    const pending = next(iterator);
    plane().live.tick(plane().now.getTime());
    const update = await pending;
    expect(Number(update.id)).toBe(closed + 3);
    expect([update.data.from, update.data.to]).toEqual([closed + 1, closed + 3]);
    expect(update.data.series[`node:${nodeId}`]!.rxBits).toContain(2e9);

    // A reconnecting EventSource sends the last id it saw: only what came after it is sent.
    const resumed = (await viewer.live.watch({
      scope: { kind: "fleet" },
      lastEventId: String(closed),
    })) as AsyncIterable<unknown>;
    const first = await next(resumed[Symbol.asyncIterator]());
    expect([first.data.from, first.data.to]).toEqual([closed + 1, closed + 3]);
    expect(first.data.latest[`node:${nodeId}`]).toEqual({ bitsPerSecond: 4e9, packetsPerSecond: 400_000 });
  });

  it("needs a signed-in user and is refused to agents", async () => {
    const { agent } = await reportingNode();
    expect((await rejection((await plane().caller()).live.watch({ scope: { kind: "fleet" } }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect((await rejection(agent.live.watch({ scope: { kind: "fleet" } }))).code).toBe("FORBIDDEN");
  });
});

describe("rollups", () => {
  it("writes each series' minute once the minute has closed, keeps the fuller one, and prunes after a day", async () => {
    const { nodeId, instanceId, agent, viewer, report } = await reportingNode();
    // Start on a minute boundary: plane().now is 12:00:00.
    const minuteStart = plane().now.getTime() / 1000;
    for (let second = 0; second < 60; second += 1) {
      await report(agent, GIGABIT);
      plane().advance(1000);
      plane().live.tick(plane().now.getTime());
    }
    await plane().live.settled();
    // 12:01:00 now: the last second of 12:00 stays open for the lag.
    expect(await plane().db.select().from(statsRollups)).toEqual([]);
    plane().advance(1000);
    plane().live.tick(plane().now.getTime());
    await plane().live.settled();
    const rows = await plane().db.select().from(statsRollups).orderBy(asc(statsRollups.series));
    expect(rows.map((row) => row.series).sort()).toEqual(
      ["app:echo", "fleet", `instance:${instanceId}`, `node:${nodeId}`].sort(),
    );
    const fleet = rows.find((row) => row.series === "fleet")!;
    expect(fleet.minute.getTime()).toBe(minuteStart * 1000);
    expect(fleet.seconds).toBe(60);
    expect(fleet.rxBitsPerSecond).toBe(1e9);
    expect(fleet.peakBitsPerSecond).toBe(2e9);
    expect(plane().live.counters.rollupRowsWritten).toBe(4);

    const history = await viewer.live.history({ scope: { kind: "node", nodeId } });
    expect(history.map((row) => row.seconds)).toEqual([60]);

    // A replica that saw less of a minute does not overwrite a fuller row; a fuller one does.
    const next = { ...fleet, minute: new Date((minuteStart + 60) * 1000) };
    expect(await writeRollups(plane().db, [{ ...next, seconds: 30, rxBitsPerSecond: 5 }])).toBe(1);
    expect(await writeRollups(plane().db, [{ ...next, seconds: 60, rxBitsPerSecond: 7 }])).toBe(1);
    expect(await writeRollups(plane().db, [{ ...next, seconds: 10, rxBitsPerSecond: 3 }])).toBe(0);
    const kept = await plane()
      .db.select()
      .from(statsRollups)
      .where(eq(statsRollups.series, "fleet"))
      .orderBy(asc(statsRollups.minute));
    expect(kept.map((row) => [row.seconds, row.rxBitsPerSecond])).toEqual([
      [60, 1e9],
      [60, 7],
    ]);

    expect(await pruneRollups(plane().db, new Date(minuteStart * 1000 + 24 * 3600_000))).toBe(0);
    expect(await pruneRollups(plane().db, new Date(minuteStart * 1000 + 24 * 3600_000 + 1))).toBe(4);
    expect(await pruneRollups(plane().db, new Date((minuteStart + 60) * 1000 + 24 * 3600_000 + 1))).toBe(1);
  });
});

describe("replicas", () => {
  it("packs whole samples into NOTIFY payloads under 7 KB that decode on their own", () => {
    const sample: LiveSample = {
      second: 1,
      nodeId: "00000000-0000-4000-8000-00000000000a",
      instanceId: "00000000-0000-4000-8000-000000000001",
      app: "echo",
      queue: 3,
      atMs: 1_750_000_000_300,
      rxPackets: 2 ** 50,
      txPackets: 1,
      rxBytes: 2,
      txBytes: 3,
      drops: 4,
      retransmits: null,
      connections: 7,
    };
    const samples = Array.from({ length: 300 }, (_, index) => ({ ...sample, second: index }));
    const payloads = encodePayloads("replica-a", 41, samples);
    expect(payloads.length).toBeGreaterThan(5);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const decoded = payloads.map(decodePayload);
    expect(decoded.every((part) => part.origin === "replica-a")).toBe(true);
    expect(decoded.flatMap((part) => part.samples)).toEqual(samples);
  });

  it("streams a sample accepted by replica A to a subscription on replica B", async () => {
    const { nodeId, instanceId, credential } = await reportingNode();
    // Two control planes on the same database, each with its own live store and its own LISTEN connection.
    const a = new TestControlPlane(plane().handle, { replicate: true });
    const b = new TestControlPlane(plane().handle, { replicate: true });
    await a.live.start(() => a.now.getTime());
    await b.live.start(() => b.now.getTime());
    try {
      // The node's real credential, resolved by replica A; the viewer signs in on replica B.
      const agentOnA = await a.caller({ bearer: credential, csrf: false });
      const viewerOnB = await b.login("vera");
      for (let second = 0; second < 3; second += 1) {
        a.now = b.now = new Date(plane().now.getTime() + second * 1000);
        await agentOnA.agent.reportStats({
          samples: [
            {
              instanceId,
              at: a.now,
              rxPackets: 10,
              txPackets: 0,
              rxBytes: 1000,
              txBytes: 0,
              drops: 0,
            },
          ],
        });
      }
      await a.live.bus!.flush();
      const deadline = Date.now() + 20_000;
      while (!b.live.store.has(`node:${nodeId}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(b.live.store.has(`node:${nodeId}`)).toBe(true);
      b.advance(3000);
      b.live.tick(b.now.getTime());
      const frames = (await viewerOnB.live.watch({
        scope: { kind: "fleet" },
        windowSeconds: 60,
      })) as AsyncIterable<unknown>;
      const first = await next(frames[Symbol.asyncIterator]());
      expect(first.data.series.fleet!.rxBits.filter((value) => value !== null)).toEqual([8000, 8000, 8000]);
      expect(a.live.bus!.counters.notificationsSent).toBeGreaterThan(0);
      expect(b.live.bus!.counters.notificationsReceived).toBeGreaterThan(0);
    } finally {
      await a.live.stop();
      await b.live.stop();
    }
  });
});
