import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withUmask } from '../../../src/rpc/with-umask.ts';

describe('withUmask', () => {
  const dir = mkdtempSync(join(tmpdir(), 'umask-'));
  afterEach(() => rmSync(join(dir, 'x'), { force: true }));

  it('what is created inside gets the mode the umask allows, from its creation on', async () => {
    const before = process.umask();
    const modeAtCreation = await withUmask(0o117, async () => {
      const socket = join(dir, 'x');
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      // Read before anything could chmod it: the mode bind() gave the socket.
      const mode = statSync(socket).mode & 0o777;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return mode;
    });
    expect(modeAtCreation).toBe(0o660);
    expect(process.umask()).toBe(before);
  });

  it('restores the umask when the work fails', async () => {
    const before = process.umask();
    await expect(
      withUmask(0o077, async () => {
        writeFileSync(join(dir, 'x'), '', { mode: 0o666 });
        expect(statSync(join(dir, 'x')).mode & 0o777).toBe(0o600);
        throw new Error('bind failed');
      }),
    ).rejects.toThrow('bind failed');
    expect(process.umask()).toBe(before);
  });
});
