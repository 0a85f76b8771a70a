/**
 * The lifecycle status messages the platforms exchange (XP Z12-012, CDAR:
 * UN/CEFACT CrossDomainAcknowledgementAndResponse D22B, "CDV"), read for
 * what the seller needs: for each invoice referred to
 * (`AcknowledgementDocument/ReferenceReferencedDocument`), its number
 * (`IssuerAssignedID`, BT-1, MDT-87), its status (`ProcessConditionCode`,
 * MDT-105), the first reason (`SpecifiedDocumentStatus/ReasonCode` and
 * `Reason`, MDT-113/114) and when the status was set (the acknowledgement's
 * `IssueDateTime`, format 204, MDT-78; read as UTC when no offset follows).
 *
 * A reader of elements, not a full XML parser: comments and CDATA are
 * dropped, any namespace prefix is accepted, entities are decoded; a
 * message that says none of this is no status.
 */
import { isLifecycleStatus } from './statuses.js';

export interface CdarStatus {
  number: string;
  code: number;
  at?: string;
  reasonCode?: string;
  reason?: string;
}

const decode = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : Number(e.slice(1))),
  ).trim();

/** The elements named `name` (any prefix) directly or deeply inside `xml`, as their inner text. */
function elements(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1] ?? '');
}
const first = (xml: string, name: string) => elements(xml, name)[0];

/** A format-204 date-time (YYYYMMDDhhmmss, UTC unless an offset follows) or 102 date as ISO. */
function dateTime(inner: string | undefined): string | undefined {
  const text = inner ? decode(inner.replace(/<[^>]+>/g, '')) : '';
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?([+-]\d{2}:?\d{2}|Z)?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${zone ? (zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`) : 'Z'}`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export function parseCdar(text: string): CdarStatus[] {
  const xml = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, c: string) => c.replace(/</g, '&lt;'));
  if (!/<(?:[\w.-]+:)?CrossDomainAcknowledgementAndResponse[\s>]/.test(xml)) return [];
  const out: CdarStatus[] = [];
  for (const ack of elements(xml, 'AcknowledgementDocument')) {
    const at = dateTime(first(ack.replace(/<(?:[\w.-]+:)?ReferenceReferencedDocument[\s\S]*?<\/(?:[\w.-]+:)?ReferenceReferencedDocument>/g, ''), 'IssueDateTime'));
    for (const ref of elements(ack, 'ReferenceReferencedDocument')) {
      const number = decode(first(ref, 'IssuerAssignedID') ?? '');
      const code = Number(decode(first(ref, 'ProcessConditionCode') ?? ''));
      if (!number || !Number.isInteger(code) || !isLifecycleStatus(code)) continue;
      const status = first(ref, 'SpecifiedDocumentStatus') ?? '';
      const reasonCode = decode(first(status, 'ReasonCode') ?? '');
      const reason = decode(first(status, 'Reason') ?? '');
      out.push({ number, code, ...(at ? { at } : {}), ...(reasonCode ? { reasonCode: reasonCode.slice(0, 40) } : {}), ...(reason ? { reason: reason.slice(0, 300) } : {}) });
    }
  }
  return out;
}
