import { normaliseIpv4Cidr } from '../ipam/cidr.ts';
import { quote } from './quote.ts';
import type { ConfigWarning } from './types.ts';

/**
 * A comma-separated IPv4 CIDR list (AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS, AWS_EXTERNAL_SERVICE_CIDRS)
 * read the way the reference's networkutils reads it: each member trimmed and normalised to
 * network form; an invalid or IPv6 member is skipped (the reference logs an error, we warn).
 */
export function parseCidrList(
  variable: string,
  text: string,
): { value: string[]; warnings: ConfigWarning[] } {
  const value: string[] = [];
  const warnings: ConfigWarning[] = [];
  if (text === '') return { value, warnings };
  for (const member of text.split(',')) {
    const trimmed = member.trim();
    const cidr = normaliseIpv4Cidr(trimmed);
    if (cidr !== undefined) {
      value.push(cidr);
      continue;
    }
    const why = trimmed.includes(':')
      ? 'is an IPv6 CIDR; only IPv4 CIDRs are used here'
      : 'is not an IPv4 CIDR (expected a.b.c.d/n)';
    warnings.push({
      variable,
      value: trimmed,
      message: `${variable}: member ${quote(trimmed)} ${why}; skipped`,
    });
  }
  return { value, warnings };
}
