/**
 * Sender trust from Authentication-Results (RFC 8601). Only the topmost
 * header carrying our own authserv-id counts: headers below it, or with
 * another id, could have been written by anyone. A DMARC pass for the From
 * domain is enough; else a DKIM or SPF pass aligned with it (RFC 7489 §3.1,
 * relaxed: the same organizational domain, see alignment.ts).
 */
import { aligned, normaliseDomain } from './alignment.js';

export type TrustVerdict = { status: 'pass'; method: 'dmarc' | 'dkim' | 'spf' } | { status: 'fail'; reason: string } | { status: 'unchecked' };

interface MethodResult {
  method: string;
  result: string;
  props: Record<string, string>;
}

/**
 * The header split as RFC 8601 §2.2 reads it: ";" between results and
 * spaces between tokens count only outside quoted strings and comments. A
 * quoted value (an envelope sender written as `"x;dmarc=pass;"@evil`) stays
 * one token, so it can never pass for a result of its own.
 */
function tokenize(value: string): string[][] {
  const sections: string[][] = [[]];
  let token = '';
  let quoted = false;
  let depth = 0;
  const endToken = () => {
    if (token !== '') sections[sections.length - 1]?.push(token);
    token = '';
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? '';
    if (quoted) {
      if (ch === '\\') token += value[++i] ?? '';
      else if (ch === '"') quoted = false;
      else token += ch;
    } else if (depth > 0) {
      if (ch === '\\') i++;
      else if (ch === '(') depth++;
      else if (ch === ')') depth--;
    } else if (ch === '"') quoted = true;
    else if (ch === '(') {
      endToken();
      depth = 1;
    } else if (ch === ';') {
      endToken();
      sections.push([]);
    } else if (/\s/.test(ch)) endToken();
    else token += ch;
  }
  endToken();
  return sections.filter((t) => t.length > 0);
}

export function parseAuthResults(value: string): { authservId: string; results: MethodResult[] } {
  // A header is small; one made huge is no server's and is read no further than this.
  const sections = tokenize(value.slice(0, 8192));
  const authservId = sections.shift()?.[0]?.toLowerCase() ?? '';
  const results: MethodResult[] = [];
  for (const tokens of sections) {
    const first = tokens.shift() ?? '';
    const eq = first.indexOf('=');
    const method = first.slice(0, eq);
    const result = first.slice(eq + 1);
    if (eq <= 0 || !result) continue;
    const props: Record<string, string> = {};
    for (const t of tokens) {
      const at = t.indexOf('=');
      if (at > 0) props[t.slice(0, at).toLowerCase()] = t.slice(at + 1).toLowerCase();
    }
    results.push({ method: method.toLowerCase(), result: result.toLowerCase(), props });
  }
  return { authservId, results };
}

/** The domain of `header.i` (`@sub.example`, `user@example`) or `smtp.mailfrom` (an address): what follows the last "@". */
function domainOf(value: string): string {
  return value.slice(value.lastIndexOf('@') + 1);
}

export function senderTrust(authResultsHeaders: readonly string[], authservId: string | undefined, fromAddress: string): TrustVerdict {
  if (!authservId) return { status: 'unchecked' };
  const ours = authResultsHeaders.map(parseAuthResults).find((h) => h.authservId === authservId.toLowerCase());
  if (!ours) return { status: 'fail', reason: 'no Authentication-Results from our server' };
  const fromDomain = fromAddress.includes('@') ? domainOf(fromAddress) : '';
  const from = normaliseDomain(fromDomain);
  // DMARC speaks for the domain it checked (header.from): a pass for another domain says nothing of this From.
  if (from && ours.results.some((r) => r.method === 'dmarc' && r.result === 'pass' && normaliseDomain(r.props['header.from'] ?? '') === from)) return { status: 'pass', method: 'dmarc' };
  // Without a DMARC pass, a DKIM or SPF pass counts only aligned (RFC 7489 §3.1.1, §3.1.2): `d=example` speaks for no `client.example`.
  if (ours.results.some((r) => r.method === 'dkim' && r.result === 'pass' && aligned(domainOf(r.props['header.d'] ?? r.props['header.i'] ?? ''), fromDomain))) return { status: 'pass', method: 'dkim' };
  if (ours.results.some((r) => r.method === 'spf' && r.result === 'pass' && aligned(domainOf(r.props['smtp.mailfrom'] ?? ''), fromDomain))) return { status: 'pass', method: 'spf' };
  const dmarc = ours.results.find((r) => r.method === 'dmarc');
  return { status: 'fail', reason: dmarc ? `dmarc=${dmarc.result}` : 'no aligned pass' };
}

/** The client IP: from the topmost Received header that names a public address (our MX wrote it). */
export function clientIp(receivedHeaders: readonly string[]): string | undefined {
  for (const r of receivedHeaders) {
    // The address is in the header's first line; a header made huge must not cost more than that (no backtracking over it).
    const m = /from\s+\S{1,255}[^[]{0,255}\[(?:IPv6:)?([0-9a-f:.]{2,45})\]/i.exec(r.slice(0, 1024));
    const ip = m?.[1];
    if (ip && !/^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|fe80:|fc|fd)/i.test(ip)) return ip;
  }
  return undefined;
}
