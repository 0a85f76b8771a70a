/**
 * What a valid configuration still leaves undone, said by `mailbot
 * check-config` and `mailbot status`: settings whose absence no check
 * refuses but which silence something the operator needs to hear.
 */
import type { Config } from './schema.js';

export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (!config.operatorAddress) {
    // Without it the daemon tells nobody: the clients' answers then never claim the operator was warned.
    warnings.push('operatorAddress is not set: nobody is mailed the daily digest of GDPR deadlines (Art. 12(3)) and the audit chain head, a mail set aside, a client held over its hourly limit, or an address or IBAN change waiting for approval; set "operatorAddress" in the configuration');
  }
  return warnings;
}
