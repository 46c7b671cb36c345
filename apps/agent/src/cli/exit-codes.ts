/** Exit codes of every sluice command: part of the CLI contract. */
export const EXIT_OK = 0;
/** A device or resource could not be opened, or the command failed at run time. */
export const EXIT_FAILURE = 1;
/** Wrong flags, a missing interface, or another mistake in how the command was called. */
export const EXIT_USAGE = 2;

/** Thrown for mistakes in the command line; reported as one line and exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Ends a command with a given exit code (sluice accelerate returns the program's). */
export class ProgramExit extends Error {
  override readonly name = "ProgramExit";
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
