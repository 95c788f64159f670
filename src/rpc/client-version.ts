/**
 * Which CNI plugin versions this ipamd serves. The reference demands an exact match, which makes
 * every rolling upgrade fail ADDs with FailedPrecondition while plugin and daemon differ; we
 * accept any client of the same major version (docs/compat.md).
 */
export function majorVersion(version: string): number | undefined {
  const match = /^v?(\d+)(?:\.|$)/.exec(version.trim());
  return match ? Number(match[1]) : undefined;
}

export function isCompatibleClient(clientVersion: string, serverVersion: string): boolean {
  if (clientVersion === serverVersion) return true;
  const client = majorVersion(clientVersion);
  const server = majorVersion(serverVersion);
  return client !== undefined && client === server;
}
