// `sluice logs INSTANCE [--lines N] [--follow]`: an instance's output, across rotated files; with
// --follow it keeps printing new output and follows the log through rotations until interrupted.
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import type { Command } from "commander";
import { lastLogLines } from "../../supervisor/log-tail.js";
import { rotatedName } from "../../supervisor/rotating-log.js";
import { type InstanceRecord, StateStore } from "../../supervisor/state-store.js";
import { UsageError } from "../exit-codes.js";
import { parseIntegerFlag } from "../options.js";
import { addStateDirOption, type StateDirFlags } from "../state-dir-option.js";

interface LogsFlags extends StateDirFlags {
  lines: number;
  follow?: boolean;
}

function findInstance(stateDir: string, id: string): InstanceRecord {
  const store = new StateStore(stateDir);
  const record = /^[A-Za-z0-9_.-]+$/.test(id) ? store.read(id) : undefined;
  if (!record) {
    const known = store.ids();
    throw new UsageError(
      `no instance "${id}" in ${stateDir} (${known.length > 0 ? `instances: ${known.join(", ")}` : "no instances"})`,
    );
  }
  return record;
}

function openOrUndefined(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch {
    return undefined;
  }
}

/** Prints everything from `fd`'s position to its end; returns the new position. */
function drain(fd: number, position: number): number {
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    const read = readSync(fd, buffer, 0, buffer.length, position);
    if (read === 0) return position;
    process.stdout.write(buffer.subarray(0, read));
    position += read;
  }
}

/**
 * If the log rotated more than once since the last look, the files between the one we read (now
 * FILE.k) and the new FILE are FILE.(k-1) ... FILE.1: print them whole, oldest first.
 */
function printSkippedRotations(path: string, readInode: number, keepFiles: number): void {
  let index = 1;
  while (index < keepFiles && inodeOf(rotatedName(path, index)) !== readInode) index += 1;
  if (index >= keepFiles) return; // the file we read is gone already; nothing to place it by
  for (let newer = index - 1; newer >= 1; newer -= 1) {
    const fd = openOrUndefined(rotatedName(path, newer));
    if (fd === undefined) continue;
    drain(fd, 0);
    closeSync(fd);
  }
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** Prints from `position` of the file open as `fd` on, following `path` through rotations. */
async function follow(
  path: string,
  keepFiles: number,
  opened: number | undefined,
  from: number,
  pollMs = 100,
): Promise<void> {
  let fd = opened;
  let position = from;
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    while (!stop) {
      if (fd !== undefined) position = drain(fd, position);
      let current: ReturnType<typeof statSync> | undefined;
      try {
        current = statSync(path);
      } catch {
        current = undefined;
      }
      // Rotated: the name now belongs to a new file. Finish the old one, then start the new one.
      if (current && (fd === undefined || current.ino !== fstatSync(fd).ino)) {
        if (fd !== undefined) {
          drain(fd, position);
          printSkippedRotations(path, fstatSync(fd).ino, keepFiles);
          closeSync(fd);
        }
        fd = openOrUndefined(path);
        position = 0;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export function registerLogsCommand(program: Command): void {
  addStateDirOption(
    program
      .command("logs")
      .description("print an instance's output (stdout and stderr), across rotated log files")
      .argument("<instance>", "instance id (see sluice ps)")
      .option("--lines <n>", "lines to print from the end", parseIntegerFlag("--lines", 0, 1_000_000), 50)
      .option("--follow", "keep printing new output until interrupted"),
  ).action(async (id: string, options: LogsFlags) => {
    const record = findInstance(options.stateDir, id);
    // Fix the end of the current file first, so following continues exactly where the tail stopped.
    const fd = options.follow ? openOrUndefined(record.logFile) : undefined;
    const end = fd === undefined ? undefined : fstatSync(fd).size;
    const lines = lastLogLines(record.logFile, record.logPolicy.keepFiles, options.lines, end);
    if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
    if (options.follow) await follow(record.logFile, record.logPolicy.keepFiles, fd, end ?? 0);
  });
}
