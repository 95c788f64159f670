import type { Config } from '../config/types.ts';
import { routeTableId } from '../ipam/instance-limits.ts';
import { type CommandRunner, execFileRunner } from './command-runner.ts';
import { chooseEniTable, planEniSetup, planEniTeardown } from './eni-net/eni-plan.ts';
import type { IpLink } from './eni-net/ip-json.ts';
import { TABLE_MAIN } from './eni-net/ip-json.ts';
import { Iproute2 } from './eni-net/iproute2.ts';
import {
  planExternalServiceRules,
  planFwmarkRule,
  planLocalRuleMove,
  planPodRulePrune,
  planPodRules,
} from './eni-net/rule-plans.ts';
import { type HostLog, silentHostLog } from './host-log.ts';
import {
  EniLinkNotFoundError,
  type EniNetwork,
  type EniSetupResult,
  type HostChanges,
  type HostNetwork,
  type HostSetup,
  type HostSetupResult,
  type PodRoute,
} from './host-network.ts';
import { renderSnatRules } from './snat/render-snat-rules.ts';
import { SnatApplier, type SnatApplyResult } from './snat/snat-applier.ts';

/**
 * HostNetwork on a real Linux node (or, in tests, inside a named network namespace): iptables
 * through SnatApplier, links/addresses/routes/rules through iproute2.
 */

export interface LinuxHostNetworkOptions {
  readonly config: Config;
  /** Default: commands in the current network namespace. */
  readonly runner?: CommandRunner;
  /** Base iptables command; default 'iptables' (whatever frontend the node selected). */
  readonly iptables?: string;
  readonly log?: HostLog;
  readonly sleep?: (ms: number) => Promise<void>;
  /** How long to wait for an ENI's link to appear; default 5 attempts 3 s apart. */
  readonly linkWait?: { readonly attempts: number; readonly delayMs: number };
  /** Tries of a failing ip batch (route replace backoff); default 5, from 500 ms up to 5 s. */
  readonly batchTries?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function iptablesChanges(result: SnatApplyResult): string[] {
  const out: string[] = [];
  for (const r of result.restores) {
    for (const line of r.script.split('\n')) {
      if (line.startsWith('-')) out.push(`iptables -t ${r.table} ${line}`);
    }
  }
  if (result.removedNftTable) out.push('nft delete table ip aws-cni');
  return out;
}

export class LinuxHostNetwork implements HostNetwork {
  private readonly config: Config;
  private readonly ip: Iproute2;
  private readonly snat: SnatApplier;
  private readonly log: HostLog;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly linkWait: { readonly attempts: number; readonly delayMs: number };
  private readonly batchTries: number;
  private primary: { readonly name: string; readonly ip: string } | undefined;

  constructor(options: LinuxHostNetworkOptions) {
    const runner = options.runner ?? execFileRunner();
    this.config = options.config;
    this.log = options.log ?? silentHostLog;
    this.ip = new Iproute2(runner);
    this.snat = new SnatApplier({
      runner,
      log: this.log,
      ...(options.iptables !== undefined ? { iptables: options.iptables } : {}),
    });
    this.sleep = options.sleep ?? realSleep;
    this.linkWait = options.linkWait ?? { attempts: 5, delayMs: 3000 };
    this.batchTries = options.batchTries ?? 5;
  }

  async setupHost(setup: HostSetup): Promise<HostSetupResult> {
    const { config } = this;
    const link = await this.findLink(setup.primaryMac, true);
    const changes: string[] = [];
    changes.push(
      ...(await this.converge(async () => {
        const now = await this.linkByMac(setup.primaryMac);
        return now && now.mtu !== config.eniMtu
          ? [`link set dev ${now.name} mtu ${config.eniMtu}`]
          : [];
      })),
    );
    if (config.nodePortSupport) {
      // Loose reverse-path filtering: NodePort replies may leave through another ENI.
      const key = `net/ipv4/conf/${link.name}/rp_filter`;
      if ((await this.ip.readSysctl(key)) !== '2') {
        await this.ip.writeSysctl(key, '2');
        changes.push(`sysctl -w ${key}=2`);
      }
    }
    if (config.enableIPv6) {
      this.log.warn(
        {},
        'IPv6 host networking is not supported by this build: no fwmark rule, no SNAT rules (docs/compat.md)',
      );
    } else {
      changes.push(
        ...(await this.converge(async () => {
          const rules = await this.ip.rules();
          return [
            ...planFwmarkRule(
              rules,
              config.connmark,
              config.nodePortSupport || !config.externalSnat,
            ),
            ...(config.enablePodEni && config.podSgEnforcingMode === 'strict'
              ? planLocalRuleMove(rules)
              : []),
          ];
        })),
      );
    }
    this.primary = { name: link.name, ip: setup.primaryIp };
    if (!config.enableIPv6) changes.push(...(await this.applySnat(setup.vpcCidrs)));
    this.logChanges('host network set up', changes, { primaryInterface: link.name });
    return { primaryInterface: link.name, changes };
  }

  async updateSnat(vpcCidrs: readonly string[]): Promise<HostChanges> {
    if (this.config.enableIPv6) return [];
    const changes = await this.applySnat(vpcCidrs);
    this.logChanges('SNAT rules updated', changes, { vpcCidrs });
    return changes;
  }

  private async applySnat(vpcCidrs: readonly string[]): Promise<string[]> {
    if (!this.primary) throw new Error('updateSnat called before setupHost');
    const frontend = await this.snat.frontend();
    const desired = renderSnatRules({
      config: this.config,
      vpcCidrs,
      primaryInterface: this.primary.name,
      primaryIp: this.primary.ip,
      capabilities: frontend,
    });
    for (const warning of desired.warnings) this.log.warn({}, warning);
    return iptablesChanges(await this.snat.apply(desired));
  }

  async setupEni(eni: EniNetwork): Promise<EniSetupResult> {
    const computed = routeTableId(eni.deviceNumber, eni.networkCard);
    const link = await this.findLink(eni.mac, true);
    if (computed === TABLE_MAIN) {
      // The primary ENI: the kernel's own address and routes in main are right as they are.
      const changes = await this.converge(async () => {
        const now = await this.linkByMac(eni.mac);
        return now && now.mtu !== this.config.eniMtu
          ? [`link set dev ${now.name} mtu ${this.config.eniMtu}`]
          : [];
      });
      return { interfaceName: link.name, routeTableId: TABLE_MAIN, changes };
    }
    const legacy =
      eni.maxEnisPerCard === undefined
        ? undefined
        : eni.deviceNumber + 1 + eni.networkCard * eni.maxEnisPerCard;
    const table = chooseEniTable(
      await this.ip.rules(),
      eni.primaryIp,
      computed,
      eni.networkCard,
      legacy,
    );
    const target = {
      ip: eni.primaryIp,
      subnet: eni.subnetCidr,
      tableId: table,
      mtu: this.config.eniMtu,
      rule: !eni.isTrunk,
    };
    const changes = await this.converge(async () => {
      const now = await this.linkByMac(eni.mac);
      if (!now) throw new EniLinkNotFoundError(eni.mac, 0);
      const [addresses, tableRoutes, mainRoutes, rules] = await Promise.all([
        this.ip.addresses(now.name),
        this.ip.routes(table),
        this.ip.routes(TABLE_MAIN),
        this.ip.rules(),
      ]);
      return planEniSetup({ link: now, addresses, tableRoutes, mainRoutes, rules }, target);
    });
    this.logChanges('ENI set up', changes, { eni: eni.eniId, mac: eni.mac, table });
    return { interfaceName: link.name, routeTableId: table, changes };
  }

  async teardownEni(eni: EniNetwork): Promise<HostChanges> {
    const computed = routeTableId(eni.deviceNumber, eni.networkCard);
    const changes = await this.converge(async () => {
      const rules = await this.ip.rules();
      const link = await this.linkByMac(eni.mac);
      const tables = new Set([computed]);
      for (const r of rules) {
        if (r.src === `${eni.primaryIp}/32` && r.table !== undefined) tables.add(r.table);
      }
      // Routes in main belong to the primary ENI; a secondary ENI never put any there.
      tables.delete(TABLE_MAIN);
      const tableRoutes = link
        ? (await Promise.all([...tables].map((t) => this.ip.routes(t)))).flat()
        : [];
      const addresses = link ? await this.ip.addresses(link.name) : [];
      return planEniTeardown(
        { rules, ...(link ? { link } : {}), addresses, tableRoutes },
        eni.primaryIp,
      );
    });
    this.logChanges('ENI network removed', changes, { eni: eni.eniId, ip: eni.primaryIp });
    return changes;
  }

  async programPodRules(pods: readonly PodRoute[]): Promise<HostChanges> {
    const changes = await this.converge(async () => planPodRules(await this.ip.rules(), pods));
    this.logChanges('pod rules re-programmed', changes, { pods: pods.length });
    return changes;
  }

  async prunePodRules(ips: readonly string[]): Promise<HostChanges> {
    const changes = await this.converge(async () => planPodRulePrune(await this.ip.rules(), ips));
    this.logChanges('stale pod rules pruned', changes, { ips });
    return changes;
  }

  async configureExternalServiceRules(cidrs: readonly string[]): Promise<HostChanges> {
    const changes = await this.converge(async () =>
      planExternalServiceRules(await this.ip.rules(), cidrs),
    );
    this.logChanges('external service CIDR rules set', changes, { cidrs });
    return changes;
  }

  async listLinkNames(): Promise<readonly string[]> {
    return (await this.ip.links()).map((l) => l.name);
  }

  private async linkByMac(mac: string): Promise<IpLink | undefined> {
    const wanted = mac.toLowerCase();
    return (await this.ip.links()).find((l) => l.mac === wanted);
  }

  private async findLink(mac: string, wait: boolean): Promise<IpLink> {
    const attempts = wait ? this.linkWait.attempts : 1;
    for (let attempt = 1; ; attempt++) {
      const link = await this.linkByMac(mac);
      if (link) return link;
      if (attempt >= attempts) {
        throw new EniLinkNotFoundError(mac, (attempts - 1) * this.linkWait.delayMs);
      }
      await this.sleep(this.linkWait.delayMs);
    }
  }

  /**
   * Plans, applies and plans again until nothing is left: adding an address makes the kernel add
   * a connected route that only the next round sees. A failing batch (a route whose link is not
   * ready, a rule someone else just removed) is re-planned after a backoff; the lines it applied
   * before failing then go unreported, the re-plan no longer needing them.
   */
  private async converge(plan: () => Promise<string[]>): Promise<string[]> {
    const applied: string[] = [];
    let backoff = 500;
    let failures = 0;
    for (let round = 0; round < 10; round++) {
      const lines = await plan();
      if (lines.length === 0) return applied;
      try {
        await this.ip.batch(lines);
        applied.push(...lines.map((l) => `ip ${l}`));
      } catch (error) {
        if (error instanceof EniLinkNotFoundError || ++failures >= this.batchTries) throw error;
        this.log.warn({ err: String(error), lines }, 'ip batch failed; retrying');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    throw new Error(`ip changes did not converge; last plan: ${(await plan()).join('; ')}`);
  }

  private logChanges(message: string, changes: readonly string[], fields: object): void {
    if (changes.length > 0) this.log.info({ ...fields, changes }, message);
  }
}
