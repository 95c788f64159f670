import { readFileSync, writeSync } from 'node:fs';
import { runPlugin } from './plugin.ts';

/**
 * The `aws-cni` program: kubelet's runtime executes it once per pod start and stop. stdin (the
 * network configuration) is read only when a CNI command is set — a person running it by hand
 * gets the plugin's name, not a wait for input — and output goes straight to the file
 * descriptors: process.stdin and process.stdout would load Node's stream machinery, a few
 * milliseconds of every pod start.
 */
const hasCommand = (process.env.CNI_COMMAND ?? '') !== '';
runPlugin({
  env: process.env,
  stdin: hasCommand ? readFileSync(0, 'utf8') : '',
  stdout: (text) => writeAll(1, text),
  stderr: (text) => writeAll(2, text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written);
}
