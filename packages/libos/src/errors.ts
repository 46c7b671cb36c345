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
  | "ENOENT"
  | "EPERM"
  | "ENOSYS"
  | "EIO"
  | "EALREADY"
  | "ECANCELED"
  | "EMSGSIZE"
  | "ENXIO"
  | "EDEADLK"
  | "EEXIST"
  | "EAFNOSUPPORT"
  | "EPROTONOSUPPORT"
  | "EOPNOTSUPP"
  | "EADDRNOTAVAIL"
  | "EDESTADDRREQ"
  | "EMFILE"
  | "ENOPROTOOPT"
  | "EISCONN"
  | "EPIPE";

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

/** Turns the addon's coded errors into LibosError; anything else passes through unchanged. */
export function toLibosError(error: unknown): unknown {
  return isNativeError(error) ? new LibosError(error.code, error.message, { cause: error }) : error;
}

/** Runs a native call, throwing LibosError for the addon's coded errors. */
export function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw toLibosError(error);
  }
}
