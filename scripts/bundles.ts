/**
 * What `npm run build` bundles: one entry per program, each into its own directory under dist/.
 * A second program (the CNI plugin) is one more line here.
 */
export interface BundleSpec {
  /** Directory under dist/ that holds this bundle and nothing else. */
  readonly name: string;
  /** The entry module, relative to the repository root; it becomes `<name>/<basename>.js`. */
  readonly entry: string;
  /**
   * True: every lazy `import()` becomes a chunk loaded only when reached (the CLI's sub-commands,
   * so `--help` and `probe` never load the daemon, the AWS SDK or the simulator). False: one file.
   */
  readonly splitting: boolean;
  /**
   * 'esm' (default) or 'cjs': one CommonJS file starts faster than an ES module (no module
   * graph to link), which matters to a program started once per pod.
   */
  readonly format?: 'esm' | 'cjs';
  /** A launcher script copied to dist/<launcher.name>, executable (the file kubelet runs). */
  readonly launcher?: { readonly name: string; readonly source: string };
}

export const BUNDLES: readonly BundleSpec[] = [
  { name: 'cli', entry: 'src/cli/main.ts', splitting: true },
  {
    name: 'cni',
    entry: 'cni-shim/aws-cni.ts',
    splitting: false,
    format: 'cjs',
    launcher: { name: 'aws-cni', source: 'scripts/aws-cni.sh' },
  },
];
