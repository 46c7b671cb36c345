// Every namespace the harness makes is named `sluice-<pid>-<run>-<host>`, so a sweep can tell which
// ones belong to a process that no longer exists.
import { randomBytes } from "node:crypto";

export const NAMESPACE_PREFIX = "sluice-";
const OWNED = /^sluice-(\d+)-([0-9a-f]{6})-([a-z0-9]+)$/;

export function newRunId(): string {
  return randomBytes(3).toString("hex");
}

export function namespaceName(runId: string, host: string, pid = process.pid): string {
  return `${NAMESPACE_PREFIX}${pid}-${runId}-${host}`;
}

export interface OwnedNamespace {
  name: string;
  pid: number;
  runId: string;
  host: string;
}

export function parseNamespaceName(name: string): OwnedNamespace | undefined {
  const match = OWNED.exec(name);
  if (!match) return undefined;
  return { name, pid: Number(match[1]), runId: match[2]!, host: match[3]! };
}

const HOST_NAME = /^[a-z][a-z0-9]{0,11}$/;

export function assertHostName(host: string): void {
  if (!HOST_NAME.test(host)) {
    throw new Error(`host name "${host}" must be 1-12 lowercase letters or digits, starting with a letter`);
  }
}
