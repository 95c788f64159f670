import { CNI_ERROR, CniError } from './cni-error.ts';

/** Every CNI specification version this plugin speaks (the reference's libcni knows the same). */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** The version used when nothing better is known (an error before stdin could be read). */
export const LATEST_VERSION = '1.1.0';

/** Parses 'MAJOR.MINOR.PATCH' into comparable numbers, or undefined. */
function parts(version: string): [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** < 0, 0, > 0 like a comparator; versions are assumed valid. */
export function compareVersions(a: string, b: string): number {
  const x = parts(a) ?? [0, 0, 0];
  const y = parts(b) ?? [0, 0, 0];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** The configuration's version, refused with code 1 when this plugin does not speak it. */
export function requireSupported(version: string): string {
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new CniError(
      CNI_ERROR.incompatibleVersion,
      `incompatible CNI versions: config is "${version}", plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`,
    );
  }
  return version;
}

/** A command that appeared in a later specification than the configuration's version. */
export function requireAtLeast(version: string, minimum: string, command: string): void {
  if (compareVersions(version, minimum) < 0) {
    throw new CniError(
      CNI_ERROR.incompatibleVersion,
      `${command} needs CNI ${minimum} or later; the configuration is ${version}`,
    );
  }
}

/** The VERSION command's answer. */
export function versionInfo(cniVersion: string): string {
  return JSON.stringify({ cniVersion, supportedVersions: SUPPORTED_VERSIONS });
}
