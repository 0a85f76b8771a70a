/**
 * Sender trust from Authentication-Results (RFC 8601). Only the topmost
 * header carrying our own authserv-id counts: headers below it, or with
 * another id, could have been written by anyone. DMARC pass is enough; else
 * a DKIM or SPF pass aligned with the From domain (RFC 7489 §3.1, relaxed).
 */
export type TrustVerdict = { status: 'pass'; method: 'dmarc' | 'dkim' | 'spf' } | { status: 'fail'; reason: string } | { status: 'unchecked' };

interface MethodResult {
  method: string;
  result: string;
  props: Record<string, string>;
}

function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

export function parseAuthResults(value: string): { authservId: string; results: MethodResult[] } {
  const parts = stripComments(value).split(';').map((p) => p.trim()).filter(Boolean);
  const authservId = (parts.shift() ?? '').split(/\s+/)[0]?.toLowerCase() ?? '';
  const results: MethodResult[] = [];
  for (const part of parts) {
    const tokens = part.split(/\s+/);
    const [method, result] = (tokens.shift() ?? '').split('=');
    if (!method || !result) continue;
    const props: Record<string, string> = {};
    for (const t of tokens) {
      const eq = t.indexOf('=');
      if (eq > 0) props[t.slice(0, eq).toLowerCase()] = t.slice(eq + 1).replace(/^"|"$/g, '').toLowerCase();
    }
    results.push({ method: method.toLowerCase(), result: result.toLowerCase(), props });
  }
  return { authservId, results };
}

function aligned(domain: string, fromDomain: string): boolean {
  const d = domain.replace(/^.*@/, '');
  return d === fromDomain || fromDomain.endsWith(`.${d}`) || d.endsWith(`.${fromDomain}`);
}

export function senderTrust(authResultsHeaders: readonly string[], authservId: string | undefined, fromAddress: string): TrustVerdict {
  if (!authservId) return { status: 'unchecked' };
  const ours = authResultsHeaders.map(parseAuthResults).find((h) => h.authservId === authservId.toLowerCase());
  if (!ours) return { status: 'fail', reason: 'no Authentication-Results from our server' };
  const fromDomain = fromAddress.split('@')[1]?.toLowerCase() ?? '';
  if (ours.results.some((r) => r.method === 'dmarc' && r.result === 'pass')) return { status: 'pass', method: 'dmarc' };
  if (ours.results.some((r) => r.method === 'dkim' && r.result === 'pass' && aligned(r.props['header.d'] ?? r.props['header.i'] ?? '', fromDomain))) return { status: 'pass', method: 'dkim' };
  if (ours.results.some((r) => r.method === 'spf' && r.result === 'pass' && aligned(r.props['smtp.mailfrom'] ?? '', fromDomain))) return { status: 'pass', method: 'spf' };
  const dmarc = ours.results.find((r) => r.method === 'dmarc');
  return { status: 'fail', reason: dmarc ? `dmarc=${dmarc.result}` : 'no aligned pass' };
}

/** The client IP: from the topmost Received header that names a public address (our MX wrote it). */
export function clientIp(receivedHeaders: readonly string[]): string | undefined {
  for (const r of receivedHeaders) {
    const m = /from\s+\S+.*?\[(?:IPv6:)?([0-9a-f:.]+)\]/i.exec(r);
    const ip = m?.[1];
    if (ip && !/^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|fe80:|fc|fd)/i.test(ip)) return ip;
  }
  return undefined;
}
