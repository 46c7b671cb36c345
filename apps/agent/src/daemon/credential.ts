// The node credential the control plane hands out once at join: kept in STATE_DIR/credential.json,
// mode 0600, written to a temporary file and renamed so a crash never leaves half a secret. A file
// that others can read is refused: the credential lets anyone act as this node.
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface NodeCredential {
  nodeId: string;
  credential: string;
  controlPlane: string;
}

export class CredentialFileError extends Error {
  override readonly name = "CredentialFileError";
}

export function credentialPath(stateDir: string): string {
  return join(stateDir, "credential.json");
}

/** The stored credential, or undefined when this node has not joined yet. */
export function readCredential(stateDir: string): NodeCredential | undefined {
  const path = credentialPath(stateDir);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CredentialFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new CredentialFileError(
      `${path} is readable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, "0")}); run \`chmod 600 ${path}\` and start again`,
    );
  }
  let parsed: Partial<NodeCredential>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<NodeCredential>;
  } catch (error) {
    throw new CredentialFileError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed.nodeId !== "string" || typeof parsed.credential !== "string") {
    throw new CredentialFileError(`${path} lacks nodeId or credential; delete it and join with a new token`);
  }
  return { nodeId: parsed.nodeId, credential: parsed.credential, controlPlane: String(parsed.controlPlane ?? "") };
}

export function writeCredential(stateDir: string, credential: NodeCredential): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = credentialPath(stateDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  // The umask cannot widen 0600, but an existing temporary file would keep its mode: set it.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
