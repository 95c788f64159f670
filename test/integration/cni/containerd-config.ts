import { join } from 'node:path';
import type { CniDirs } from './cni-dirs.ts';

/**
 * containerd 1.6's config.toml for a test runtime: every path under `dir`, CRI with one CNI
 * network (the first conflist of the conf dir, the one bin dir), runc as the only runtime.
 */
export interface ContainerdLayout {
  readonly dir: string;
  readonly socket: string;
  readonly cni: CniDirs;
  readonly sandboxImage: string;
  readonly snapshotter: string;
}

export function containerdConfigToml(layout: ContainerdLayout): string {
  const { dir, socket, cni } = layout;
  return `version = 2
root = "${join(dir, 'root')}"
state = "${join(dir, 'state')}"

[grpc]
  address = "${socket}"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(dir, 'opt')}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${layout.sandboxImage}"
  # The pause process's oom_score_adj no lower than containerd's own: lowering it is refused
  # on machines like this one, where the test itself runs confined.
  restrict_oom_score_adj = true
  # Pod namespaces pinned under the state directory, not /var/run/netns.
  netns_mounts_under_state_dir = true
  disable_tcp_service = true

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${cni.binDir}"
    conf_dir = "${cni.confDir}"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "${layout.snapshotter}"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "${join(dir, 'runc')}"
`;
}
