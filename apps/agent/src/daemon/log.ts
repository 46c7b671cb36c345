// Structured logs: one JSON object per line on stderr ({"at","level","msg",...fields}), so an
// operator can grep them and a collector can parse them without guessing.
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const log = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    write(`${JSON.stringify({ at: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  return {
    log,
    info: (msg, fields) => log("info", msg, fields),
    warn: (msg, fields) => log("warn", msg, fields),
    error: (msg, fields) => log("error", msg, fields),
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
