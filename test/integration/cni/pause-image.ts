import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The sandbox ("pause") image the runtime starts for every pod, built at test time so nothing is
 * pulled: an OCI image layout tarball with one uncompressed layer holding Debian's static busybox,
 * whose entrypoint sleeps until the runtime kills it. `ctr image import` reads the name from the
 * index's `io.containerd.image.name` annotation.
 */

export const PAUSE_IMAGE = 'localhost/vpc-ipamd-test/pause:busybox';
export const BUSYBOX = '/bin/busybox';

const run = promisify(execFile);

/** The OCI name of this machine's architecture (Node calls amd64 `x64`). */
const OCI_ARCH: string =
  ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;

/** Deterministic tar flags: the same input gives the same digest. */
const TAR_FLAGS = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0'];

/** ELF program header type of the dynamic loader's path: present in every dynamic executable. */
const PT_INTERP = 3;

/** Whether the 64-bit little-endian ELF at `path` needs no dynamic loader (the image has no libc). */
function isStaticElf(path: string): boolean {
  const header = Buffer.alloc(4096);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  const programHeaders = Number(header.readBigUInt64LE(0x20));
  const entrySize = header.readUInt16LE(0x36);
  const entries = header.readUInt16LE(0x38);
  for (let i = 0; i < entries; i++) {
    const at = programHeaders + i * entrySize;
    if (at + 4 > header.length) break;
    if (header.readUInt32LE(at) === PT_INTERP) return false;
  }
  return true;
}

/** Why the pause image cannot be built from `busybox`, or '' when it can. */
export function pauseImageMissing(busybox = BUSYBOX): string {
  if (!existsSync(busybox)) return `missing ${busybox} (Debian's busybox-static)`;
  if (!isStaticElf(busybox)) return `${busybox} is not static (Debian's busybox-static is)`;
  return '';
}

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** Writes `bytes` as a content-addressed blob of the layout at `layout`. */
function blob(layout: string, mediaType: string, bytes: Buffer): Descriptor {
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Builds the image under `dir` and returns the tarball's path. */
export async function buildPauseImage(dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  const layout = join(dir, 'layout');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));

  const layerPath = join(dir, 'layer.tar');
  await run('tar', [...TAR_FLAGS, '-C', rootfs, '-cf', layerPath, 'bin']);
  // Uncompressed, so the layer's digest is also its diff ID.
  const layer = blob(layout, 'application/vnd.oci.image.layer.v1.tar', readFileSync(layerPath));
  const config = blob(
    layout,
    'application/vnd.oci.image.config.v1+json',
    json({
      architecture: OCI_ARCH,
      os: 'linux',
      // The largest sleep busybox takes; the runtime stops a sandbox with SIGKILL.
      config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'] },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  );
  const manifest = blob(
    layout,
    'application/vnd.oci.image.manifest.v1+json',
    json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: [layer],
    }),
  );
  const [, tag] = PAUSE_IMAGE.split(/:(?=[^:/]+$)/);
  writeFileSync(
    join(layout, 'index.json'),
    json({
      schemaVersion: 2,
      manifests: [
        {
          ...manifest,
          annotations: {
            'io.containerd.image.name': PAUSE_IMAGE,
            'org.opencontainers.image.ref.name': tag,
          },
        },
      ],
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));

  const tarball = join(dir, 'pause.tar');
  await run('tar', [...TAR_FLAGS, '-C', layout, '-cf', tarball, '.']);
  return tarball;
}
