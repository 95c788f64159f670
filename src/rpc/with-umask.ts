/**
 * Runs `create` with the process umask set to `mask`, restoring the previous one when it settles.
 * A Unix socket gets its mode from the umask when bind() creates it: binding under the right umask
 * means it never exists, not even for a moment, with a wider mode than the one chmod would set.
 * The umask is process-wide; callers use it at start-up, before anything else creates files.
 */
export async function withUmask<T>(mask: number, create: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await create();
  } finally {
    process.umask(previous);
  }
}
