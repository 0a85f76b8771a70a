/**
 * Identifier alignment of DMARC (RFC 7489 §3.1), relaxed mode: a DKIM
 * signing domain (d=) or an SPF domain speaks for the From domain when both
 * have the same organizational domain (§3.2): the public suffix plus one
 * label, the public suffix taken from the Public Suffix List. Comparing
 * label suffixes instead would align `d=example` or `d=co.uk` with every
 * domain under them, so that anyone holding a key for a suffix's name
 * (or a server that writes one) could speak for all of its domains.
 *
 * The list is the one bundled with the `tldts` package: read offline, the
 * same at every start, updated with the package.
 */
import { domainToASCII } from 'node:url';
import { getDomain } from 'tldts';

/**
 * The private section of the list counts too: two tenants of a shared host
 * (`a.github.io`, `b.github.io`) are two organizations, not one.
 */
const PSL = { allowPrivateDomains: true, extractHostname: false } as const;

/** RFC 1035 §2.3.4 lengths; `_` is allowed in DNS names a signer may use. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * A domain as DNS compares it: lower case, IDN labels as A-labels
 * (RFC 5891), no root dot. Undefined for what is no domain name (an empty
 * label, an address literal, a stray character): such a value aligns with
 * nothing.
 */
export function normaliseDomain(value: string): string | undefined {
  const bare = value.trim().replace(/\.$/, '');
  if (bare === '' || bare.length > 253) return undefined;
  // Checked before the URL host parser, which would read `client.example/x` as `client.example`.
  if (/[^A-Za-z0-9._\-\u{80}-\u{10FFFF}]/u.test(bare)) return undefined;
  const ascii = domainToASCII(bare);
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((l) => LABEL.test(l))) return undefined;
  // An IPv4 literal is no domain: the PSL would read its last number as a suffix.
  if (labels.every((l) => /^\d+$/.test(l))) return undefined;
  return ascii;
}

/**
 * The organizational domain (RFC 7489 §3.2): undefined when the name is a
 * public suffix itself (`fr`, `co.uk`, an unlisted single label such as
 * `example`, by the list's default rule "*"), or no domain name.
 */
export function organizationalDomain(value: string): string | undefined {
  const domain = normaliseDomain(value);
  return domain ? (getDomain(domain, PSL) ?? undefined) : undefined;
}

/**
 * Relaxed alignment (RFC 7489 §3.1.1, §3.1.2): same organizational domain.
 * A domain that is a public suffix has none, so it aligns with nothing.
 */
export function aligned(authDomain: string, fromDomain: string): boolean {
  const org = organizationalDomain(authDomain);
  return org !== undefined && org === organizationalDomain(fromDomain);
}
