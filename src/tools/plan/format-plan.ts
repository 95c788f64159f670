import type { Config } from '../../config/types.ts';
import type { PlanOutcome } from './run-plan.ts';

/** The text and JSON `vpc-ipamd plan` prints. */

export interface PlanContext {
  readonly instanceType: string;
  readonly pods: number;
  readonly config: Pick<
    Config,
    | 'warmEniTarget'
    | 'warmIpTarget'
    | 'minimumIpTarget'
    | 'warmPrefixTarget'
    | 'enablePrefixDelegation'
    | 'maxEni'
    | 'warmPoolMode'
  >;
  /** True when --max-pods was given (else the max-pods calculator's value was used). */
  readonly maxPodsGiven: boolean;
}

/**
 * Which targets are in effect, as the reference decides (docs/eni-and-ip-target.md,
 * docs/prefix-and-ip-target.md).
 */
export function describeTargets(config: PlanContext['config'], prefixDelegation: boolean): string {
  const mode = prefixDelegation ? '/28 prefixes' : 'secondary IPs';
  let targets: string;
  if (config.warmIpTarget > 0 || config.minimumIpTarget > 0) {
    targets = `WARM_IP_TARGET=${config.warmIpTarget}, MINIMUM_IP_TARGET=${config.minimumIpTarget}`;
  } else if (prefixDelegation) {
    targets = `WARM_PREFIX_TARGET=${config.warmPrefixTarget}`;
  } else {
    targets = `WARM_ENI_TARGET=${config.warmEniTarget}`;
  }
  const maxEni = config.maxEni === undefined ? '' : `, MAX_ENI=${config.maxEni}`;
  return `${mode}, ${targets}${maxEni}, WARM_POOL_MODE=${config.warmPoolMode}`;
}

/** The one JSON object of --json. `unsettled` appears only when the pool never came to rest. */
export function planJson(outcome: PlanOutcome): string {
  const { result, finalCycle } = outcome;
  return JSON.stringify({
    enis: result.enis,
    ips: result.ips,
    prefixes: result.prefixes,
    ipsPerEni: result.ipsPerEni,
    prefixesPerEni: result.prefixesPerEni,
    unusedIps: result.unusedIps,
    failedPods: result.failedPods,
    ...(finalCycle ? { unsettled: finalCycle } : {}),
  });
}

export function planText(outcome: PlanOutcome, context: PlanContext): string {
  const { result } = outcome;
  const lines: string[] = [];
  lines.push(`${context.instanceType} with ${context.pods} pod${context.pods === 1 ? '' : 's'}`);
  lines.push(`  settings:          ${describeTargets(context.config, outcome.prefixDelegation)}`);
  lines.push(
    `  max pods:          ${outcome.maxPods}${context.maxPodsGiven ? ' (--max-pods)' : ' (max-pods calculator)'}`,
  );
  lines.push(`  ENIs:              ${result.enis}`);
  lines.push(`  IPs:               ${result.ips}`);
  lines.push(`  prefixes:          ${result.prefixes}`);
  lines.push(`  IPs per ENI:       ${result.ipsPerEni.join(' ')}`);
  lines.push(`  prefixes per ENI:  ${result.prefixesPerEni.join(' ')}`);
  lines.push(`  unused IPs:        ${result.unusedIps}`);
  if (result.failedPods > 0) {
    lines.push(`  pods without an IP: ${result.failedPods} (the pool could not grow for them)`);
  }
  const notes: string[] = [];
  if (context.config.enablePrefixDelegation && !outcome.prefixDelegation) {
    notes.push(
      `${context.instanceType} is not Nitro or bare metal: prefix delegation is off and secondary IPs are used (as the reference does)`,
    );
  }
  if (context.pods > outcome.maxPods) {
    notes.push(
      `${context.pods} pods is more than max pods ${outcome.maxPods}: kubelet would not start them all`,
    );
  }
  for (const step of outcome.unsettled) {
    notes.push(
      `at ${step.pods} pods the pool never settles; it keeps cycling through: ${step.states.join(' ⇄ ')}`,
    );
  }
  for (const note of notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}
