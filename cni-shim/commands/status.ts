import { GRPC_STATUS } from '../../src/wire/grpc-status.ts';
import { HEALTH } from '../../src/wire/methods.ts';
import type { CommandOutput, PluginContext } from '../context.ts';
import { CNI_ERROR, CniError } from '../protocol/cni-error.ts';
import { requireAtLeast } from '../protocol/versions.ts';

/** How long ipamd may take to answer the health check (grpc-health-probe's 5 s). */
export const STATUS_DEADLINE_MS = 5_000;

/** STATUS (CNI 1.1): ready for ADDs exactly when ipamd answers its health check SERVING. */
export async function status(ctx: PluginContext): Promise<CommandOutput> {
  requireAtLeast(ctx.conf.cniVersion, '1.1.0', 'STATUS');
  const outcome = await ctx.ipamd.call(HEALTH.Check, { service: '' }, STATUS_DEADLINE_MS);
  if (outcome.status !== GRPC_STATUS.OK || !outcome.reply) {
    throw new CniError(
      CNI_ERROR.pluginNotAvailable,
      'plugin not available: ipamd does not answer',
      outcome.message,
    );
  }
  if (outcome.reply.status !== 'SERVING') {
    throw new CniError(
      CNI_ERROR.pluginNotAvailable,
      `plugin not available: ipamd is ${outcome.reply.status}`,
    );
  }
  return undefined;
}
