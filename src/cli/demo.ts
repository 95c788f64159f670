/**
 * `vpc-ipamd demo` (npm start). The daemon and the simulated AWS region it runs against are
 * built by later issues; until they land this says so and exits successfully.
 */
export async function run(_args: string[]): Promise<number> {
  process.stdout.write(
    'vpc-ipamd: the demo (daemon + simulated AWS + live view) is not yet available; ' +
      'see README.md for what is built so far.\n',
  );
  return 0;
}
