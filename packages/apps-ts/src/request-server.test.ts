// The TypeScript kv and http over the in-process sim backend: a client LibOS on the same simulated
// wire speaks RESP2 and HTTP/1.1 byte by byte — pipelining, requests split across segments, bad
// input answered with a protocol error and a clean close, and serving going on afterwards.
import { type Connection, connect } from "@sluice/libos";
import { afterEach, describe, expect, it } from "vitest";
import { startRequestServer } from "./request-server.js";
import { simPairs } from "./test-support/sim-pair.js";

const { pair, shutdownAll } = simPairs("apps-ts-request");

afterEach(shutdownAll);

/** Reads from `connection` until `done(text so far)` or the end of the stream; returns the text. */
class Reader {
  private text = "";
  private ended = false;
  private readonly chunks: AsyncIterator<Uint8Array>;

  constructor(connection: Connection) {
    this.chunks = connection[Symbol.asyncIterator]();
  }

  async until(done: (text: string) => boolean): Promise<string> {
    while (!done(this.text) && !this.ended) {
      const next = await this.chunks.next();
      if (next.done) this.ended = true;
      else this.text += Buffer.from(next.value).toString("latin1");
    }
    const text = this.text;
    this.text = "";
    return text;
  }

  async untilEnd(): Promise<{ text: string; ended: boolean }> {
    const text = await this.until(() => false);
    return { text, ended: this.ended };
  }
}

/** How many whole HTTP responses (head plus Content-Length body) `text` holds. */
function completeResponses(text: string): number {
  let count = 0;
  let offset = 0;
  for (;;) {
    const end = text.indexOf("\r\n\r\n", offset);
    if (end < 0) return count;
    const length = Number(/content-length: (\d+)/i.exec(text.slice(offset, end))?.[1] ?? "0");
    if (text.length < end + 4 + length) return count;
    count++;
    offset = end + 4 + length;
  }
}

function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
}

async function writeInPieces(connection: Connection, text: string, pieces: number): Promise<void> {
  const bytes = Buffer.from(text, "latin1");
  const step = Math.ceil(bytes.length / pieces);
  for (let offset = 0; offset < bytes.length; offset += step) {
    await connection.write(bytes.subarray(offset, offset + step));
  }
}

describe("TypeScript kv over sim", () => {
  it("answers pipelined and split RESP2 commands in order", async () => {
    const { client, server } = pair();
    const kv = startRequestServer(server, "kv", { ip: "0.0.0.0", port: 6379 });
    const connection = await connect(client, { ip: "198.18.0.2", port: 6379 });
    const reader = new Reader(connection);
    const big = "v".repeat(20_000);
    const commands = [
      resp("PING"),
      resp("SET", "k", "hello"),
      resp("GET", "k"),
      resp("INCR", "n"),
      resp("INCR", "n"),
      resp("SET", "k", "x", "NX"),
      resp("MSET", "a", "1", "b", big),
      resp("MGET", "a", "missing"),
      resp("EXISTS", "a", "b", "missing"),
      resp("DBSIZE"),
      resp("NOSUCH"),
    ].join("");
    // Split at odd places: every request boundary falls inside a segment somewhere.
    await writeInPieces(connection, commands, 7);
    const expected = [
      "+PONG\r\n",
      "+OK\r\n",
      "$5\r\nhello\r\n",
      ":1\r\n",
      ":2\r\n",
      "$-1\r\n",
      "+OK\r\n",
      "*2\r\n$1\r\n1\r\n$-1\r\n",
      ":2\r\n",
      ":4\r\n",
    ].join("");
    const replies = await reader.until(
      (text) => text.startsWith(expected) && text.endsWith("\r\n") && text.length > expected.length,
    );
    expect(replies.startsWith(expected)).toBe(true);
    expect(replies.slice(expected.length)).toMatch(/^-ERR unknown command/);
    // A value larger than one segment comes back whole.
    await connection.write(Buffer.from(resp("GET", "b")));
    const value = await reader.until((text) => text.length >= `$${big.length}\r\n`.length + big.length + 2);
    expect(value).toBe(`$${big.length}\r\n${big}\r\n`);
    connection.close();
    kv.stop();
    expect(kv.counters().app).toMatchObject({ accepted: 1, commands: 12, protocol_errors: 0, carrier_errors: 0 });
  });

  it("answers bad framing with a protocol error, closes, and serves the next client", async () => {
    const { client, server } = pair();
    const kv = startRequestServer(server, "kv", { ip: "0.0.0.0", port: 6379 });
    const bad = await connect(client, { ip: "198.18.0.2", port: 6379 });
    await bad.write(Buffer.from("*2\r\n$3\r\nGET\r\n:oops\r\n"));
    const { text, ended } = await new Reader(bad).untilEnd();
    expect(text).toMatch(/^-ERR Protocol error: .+\r\n$/);
    expect(ended).toBe(true);
    bad.close();
    const good = await connect(client, { ip: "198.18.0.2", port: 6379 });
    await good.write(Buffer.from(resp("ECHO", "still here")));
    expect(await new Reader(good).until((t) => t.endsWith("here\r\n"))).toBe("$10\r\nstill here\r\n");
    good.close();
    kv.stop();
    expect(kv.counters().app).toMatchObject({ accepted: 2, protocol_errors: 1 });
  });
});

describe("TypeScript http over sim", () => {
  it("serves keep-alive pipelined requests, /stats as JSON and the error statuses", async () => {
    const { client, server } = pair();
    const http = startRequestServer(server, "http", { ip: "0.0.0.0", port: 80 });
    const connection = await connect(client, { ip: "198.18.0.2", port: 80 });
    const reader = new Reader(connection);
    const get = (path: string, method = "GET") => `${method} ${path} HTTP/1.1\r\nHost: t\r\n\r\n`;
    await writeInPieces(connection, get("/") + get("/") + get("/nope") + get("/", "DELETE"), 5);
    const responses = await reader.until((text) => completeResponses(text) === 4);
    const statuses = [...responses.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
    expect(statuses).toEqual(["200", "200", "404", "405"]);
    expect(responses.split("Hello from Sluice\n").length - 1).toBe(2);
    expect(responses).toMatch(/Allow: GET, HEAD/);

    await connection.write(Buffer.from(get("/stats")));
    const stats = await reader.until((text) => completeResponses(text) === 1);
    const body = JSON.parse(stats.slice(stats.indexOf("\r\n\r\n") + 4)) as Record<string, Record<string, number>>;
    expect(body.app?.requests).toBe(4); // the four before it: this one counts once answered
    expect(body.app?.accepted).toBe(1);
    expect(body.interface?.rx_frames).toBeGreaterThan(0);
    expect(body.libos?.completions).toBeGreaterThan(0);

    await connection.write(Buffer.from("NONSENSE\r\n\r\n"));
    const { text, ended } = await reader.untilEnd();
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(ended).toBe(true);
    connection.close();
    http.stop();
    expect(http.counters().app).toMatchObject({ requests: 5, protocol_errors: 1, carrier_errors: 0 });
  });
});
