import { GRPC_STATUS } from '../../src/wire/grpc-status.ts';
import { POD_ALLOCATIONS } from '../../src/wire/methods.ts';
import type { CommandOutput, PluginContext } from '../context.ts';
import { tearDownPodNetwork } from '../network/pod-teardown.ts';
import { CNI_ERROR, CniError } from '../protocol/cni-error.ts';
import { requireAtLeast } from '../protocol/versions.ts';

/**
 * GC (CNI 1.1): ipamd releases every allocation of this network that none of the runtime's valid
 * attachments holds (our vpcipamd.PodAllocations service), then the host rules and routes of the
 * released addresses go too. Teardown problems are logged, not returned: GC removes what it can.
 */
export async function gc(ctx: PluginContext): Promise<CommandOutput> {
  const { conf, log } = ctx;
  requireAtLeast(conf.cniVersion, '1.1.0', 'GC');
  const outcome = await ctx.ipamd.call(POD_ALLOCATIONS.GarbageCollect, {
    NetworkName: conf.name,
    ValidAttachments: conf.validAttachments.map((a) => ({
      ContainerID: a.containerId,
      IfName: a.ifName,
    })),
    ClientVersion: ctx.clientVersion,
  });
  if (outcome.status !== GRPC_STATUS.OK || !outcome.reply) {
    const code =
      outcome.status === GRPC_STATUS.UNAVAILABLE ? CNI_ERROR.tryAgainLater : CNI_ERROR.internal;
    throw new CniError(code, 'gc cmd: ipamd did not collect', outcome.message);
  }
  const released = outcome.reply.Released.map((m) => ({
    ipv4: m.IPv4Addr,
    routeTableId: m.RouteTableId,
  }));
  const teardown = await tearDownPodNetwork(ctx.ip, released);
  for (const failure of [...teardown.errors, ...teardown.warnings]) {
    log.warn('GC teardown', { command: failure.command, message: failure.message });
  }
  log.info('GC', { released, keptRecent: outcome.reply.KeptRecent });
  return undefined;
}
