// The TypeScript echo over the in-process sim backend: a client LibOS on the same simulated wire
// checks TCP and UDP byte-exactly and the counters the app reports.
import { randomBytes } from "node:crypto";
import { connect } from "@sluice/libos";
import { afterEach, describe, expect, it } from "vitest";
import { startEcho } from "./echo.js";
import { simPairs } from "./test-support/sim-pair.js";

const { pair, shutdownAll } = simPairs("apps-ts-echo");

afterEach(shutdownAll);

describe("TypeScript echo over sim", () => {
  it("echoes a TCP stream byte-exactly and counts it", async () => {
    const { client, server } = pair();
    const echo = startEcho(server, "tcp", { ip: "0.0.0.0", port: 7 });
    expect(echo.address).toEqual({ ip: "0.0.0.0", port: 7 });
    const payload = randomBytes(120_000);
    const connection = await connect(client, { ip: "198.18.0.2", port: 7 });
    const chunks: Buffer[] = [];
    let total = 0;
    const reading = (async () => {
      for await (const chunk of connection) {
        chunks.push(Buffer.from(chunk));
        total += chunk.byteLength;
        if (total >= payload.length) return;
      }
    })();
    for (let offset = 0; offset < payload.length; offset += 10_000) {
      await connection.write(payload.subarray(offset, offset + 10_000));
    }
    await reading;
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(echo.counters).toMatchObject({ connections: 1, bytes: payload.length, errors: 0 });
    connection.close();
    echo.stop();
  });

  it("echoes UDP datagrams to their senders", async () => {
    const { client, server } = pair();
    const echo = startEcho(server, "udp", { ip: "0.0.0.0", port: 9 });
    const qd = client.socket("udp");
    client.bind(qd, { ip: "0.0.0.0", port: 4000 });
    for (const size of [1, 100, 1472]) {
      const datagram = randomBytes(size);
      await client.wait(client.pushto(qd, datagram, { ip: "198.18.0.2", port: 9 }));
      const back = await client.wait(client.pop(qd));
      if (back.opcode !== "pop" || !back.data) throw new Error("no reply");
      expect(Buffer.from(back.data).equals(datagram)).toBe(true);
      client.release(back.data);
    }
    expect(echo.counters).toMatchObject({ messages: 3, bytes: 1573, errors: 0 });
    echo.stop();
  });
});
