/** Error codes the LibOS reports, errno-style, so callers can branch on `error.code`. */
export type LibosErrorCode =
  | "EINVAL"
  | "EBADF"
  | "ENOMEM"
  | "ENOBUFS"
  | "EBUSY"
  | "EAGAIN"
  | "ETIMEDOUT"
  | "ECONNRESET"
  | "ECONNREFUSED"
  | "ENOTCONN"
  | "EADDRINUSE"
  | "ENODEV"
  | "EPERM"
  | "ENOSYS"
  | "EIO";

export class LibosError extends Error {
  override readonly name = "LibosError";
  constructor(
    readonly code: LibosErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function isNativeError(error: unknown): error is Error & { code: LibosErrorCode } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}

/** Runs a native call and turns the addon's coded errors into LibosError. */
export function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (isNativeError(error)) throw new LibosError(error.code, error.message, { cause: error });
    throw error;
  }
}
