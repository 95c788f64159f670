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
}

export const BUNDLES: readonly BundleSpec[] = [
  { name: 'cli', entry: 'src/cli/main.ts', splitting: true },
];
