// An instance's output file with size-based rotation: FILE, FILE.1 (newest rotated) ... FILE.(keep-1).
// Writes are synchronous and split at line boundaries, so a file never ends mid-line unless one line
// is longer than a whole file. Write failures (a full disk) drop the data and are counted, never
// thrown: the app keeps running, and the next write tries again.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export interface LogPolicy {
  maxBytes: number;
  /** Files kept in all, the current one included. */
  keepFiles: number;
}

export const DEFAULT_LOG_POLICY: LogPolicy = { maxBytes: 10 * 2 ** 20, keepFiles: 5 };

export interface LogWriteFailure {
  message: string;
  code: string | undefined;
  droppedBytes: number;
}

/** The log file cannot be opened; carries the system's error code. */
export class LogFileError extends Error {
  override readonly name = "LogFileError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function rotatedName(path: string, index: number): string {
  return index === 0 ? path : `${path}.${index}`;
}

function describe(error: unknown, what: string): string {
  const e = error as NodeJS.ErrnoException;
  return `${what}: ${e.code ?? "error"}: ${e.message.replace(/^[A-Z]+: /, "")}`;
}

export class RotatingLog {
  private fd: number | undefined;
  private size = 0;
  private droppedBytes = 0;
  private failure: LogWriteFailure | undefined;
  /** Bytes of the current write() that reached the file, so a failure drops only the rest. */
  private progress = 0;

  constructor(
    readonly path: string,
    readonly policy: LogPolicy,
  ) {
    if (policy.maxBytes < 1 || policy.keepFiles < 1)
      throw new Error("log policy needs maxBytes >= 1 and keepFiles >= 1");
  }

  /** Opens (creating the directory); throws with the path and the system's reason. */
  open(): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, "a");
      this.size = fstatSync(this.fd).size;
    } catch (error) {
      throw new LogFileError(
        describe(error, `cannot open log file ${this.path}`),
        (error as NodeJS.ErrnoException).code,
      );
    }
  }

  /** The failure since the last successful write, if the last write failed. */
  get lastFailure(): LogWriteFailure | undefined {
    return this.failure;
  }

  write(data: Buffer): LogWriteFailure | undefined {
    this.progress = 0;
    try {
      if (this.fd === undefined) this.open();
      this.writeSplit(data);
      this.failure = undefined;
    } catch (error) {
      this.droppedBytes += data.length - this.progress;
      this.failure = {
        message: error instanceof LogFileError ? error.message : describe(error, `writing ${this.path}`),
        code: (error as NodeJS.ErrnoException).code,
        droppedBytes: this.droppedBytes,
      };
    }
    return this.failure;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private writeSplit(data: Buffer): void {
    let offset = this.progress;
    while (offset < data.length) {
      const room = this.policy.maxBytes - this.size;
      let end = data.length;
      if (end - offset > room) {
        const newline = room > 0 ? data.lastIndexOf(10, offset + room - 1) : -1;
        if (newline >= offset) end = newline + 1;
        else if (this.size > 0) {
          this.rotate();
          continue;
        } else end = offset + room; // one line longer than a whole file: split it
      }
      while (offset < end) {
        const written = writeSync(this.fd!, data, offset, end - offset);
        offset += written;
        this.size += written;
        this.progress += written;
      }
    }
  }

  private rotate(): void {
    this.close();
    const keep = this.policy.keepFiles;
    if (keep === 1) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(rotatedName(this.path, keep - 1), { force: true });
      for (let index = keep - 2; index >= 0; index -= 1) {
        const from = rotatedName(this.path, index);
        if (existsSync(from)) renameSync(from, rotatedName(this.path, index + 1));
      }
    }
    this.fd = openSync(this.path, "a");
    this.size = 0;
  }
}
