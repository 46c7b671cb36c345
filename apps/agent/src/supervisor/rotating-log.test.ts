import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lastLogLines } from "./log-tail.js";
import { RotatingLog } from "./rotating-log.js";

const line = (n: number) => `line ${String(n).padStart(4, "0")} ${"x".repeat(89)}\n`; // 100 bytes

describe("rotating log", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-log-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("rotates at line boundaries and keeps exactly keepFiles files", () => {
    const log = new RotatingLog(join(dir, "app.log"), { maxBytes: 1000, keepFiles: 3 });
    log.open();
    // 50 lines in chunks that straddle line ends, as pipes deliver them.
    const all = Buffer.from(Array.from({ length: 50 }, (_, i) => line(i + 1)).join(""));
    for (let offset = 0; offset < all.length; offset += 333)
      expect(log.write(all.subarray(offset, offset + 333))).toBeUndefined();
    log.close();
    expect(readdirSync(dir).sort()).toEqual(["app.log", "app.log.1", "app.log.2"]);
    const lines = (name: string) => readFileSync(join(dir, name), "utf8").trim().split("\n");
    expect(lines("app.log")).toHaveLength(10);
    expect(lines("app.log")[0]).toBe(line(41).trim());
    expect(lines("app.log.1")[0]).toBe(line(31).trim());
    expect(lines("app.log.2").at(-1)).toBe(line(30).trim());
    expect(lastLogLines(join(dir, "app.log"), 3, 12)).toEqual(
      [line(39), line(40), ...Array.from({ length: 10 }, (_, i) => line(41 + i))].map((l) => l.trim()),
    );
  });

  it("keeps a single file by starting it over", () => {
    const log = new RotatingLog(join(dir, "one.log"), { maxBytes: 250, keepFiles: 1 });
    log.open();
    for (let n = 1; n <= 5; n += 1) log.write(Buffer.from(line(n)));
    log.close();
    expect(readdirSync(dir)).toEqual(["one.log"]);
    expect(readFileSync(join(dir, "one.log"), "utf8")).toBe(line(5));
  });

  it("splits a line longer than a whole file, and appends to an existing file", () => {
    writeFileSync(join(dir, "long.log"), "old\n");
    const log = new RotatingLog(join(dir, "long.log"), { maxBytes: 100, keepFiles: 5 });
    log.open();
    log.write(Buffer.from(`${"y".repeat(250)}\n`));
    log.close();
    expect(readdirSync(dir).sort()).toEqual(["long.log", "long.log.1", "long.log.2", "long.log.3"]);
    expect(readFileSync(join(dir, "long.log.3"), "utf8")).toBe("old\n");
    expect(readFileSync(join(dir, "long.log"), "utf8")).toBe(`${"y".repeat(50)}\n`);
  });

  it("reports a log dir it cannot create with the path and the system's reason", () => {
    writeFileSync(join(dir, "file"), "");
    const log = new RotatingLog(join(dir, "file", "sub", "x.log"), { maxBytes: 100, keepFiles: 2 });
    expect(() => log.open()).toThrow(/^cannot open log file .*\/file\/sub\/x\.log: ENOTDIR: not a directory/);
    const failure = log.write(Buffer.from("lost\n"));
    expect(failure).toMatchObject({ code: "ENOTDIR", droppedBytes: 5 });
  });
});
