/**
 * A client's answer to a mail about an invoice on the platform (an alert,
 * the digest) saying it was paid: "payée le 12/11/2026", "réglée le
 * 12/11/2026 (1 200,00 €)", "paid on 2026-11-12". The invoice is the one the
 * subject or the text names; without an amount, what remains unpaid. It is
 * declared to the platform (status 212) as a payments file would be, in the
 * mail's commit, and answered.
 */
import { createHash } from 'node:crypto';
import type { ClientRecord } from '../../clients/record.js';
import { displayDate, displayMoney } from '../../core/format.js';
import { Dec } from '../../core/money.js';
import { describeIssue } from '../../csv/messages.js';
import { parseDate, parseDecimal } from '../../csv/values.js';
import { frame } from '../../gdpr/texts.js';
import { preparePaymentRows } from '../../platform/payments.js';
import { isBotMessageId } from '../guard.js';
import type { HandlerResult, MailContext, MailHandler } from './types.js';

/** "payée le 12/11/2026", "réglée le …", "encaissée le …", "paid on …", with an optional amount after it. */
const PAID = /\b(?:pay[ée]e?s?|r[ée]gl[ée]e?s?|encaiss[ée]e?s?|paid|settled|received)\s+(?:le|on|the)\s+(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2})(?:[^\d\n]{0,12}([\d][\d\s\u00a0\u202f.,]*\d)\s*(?:€|eur|euros)?)?/i;

/** The text the client wrote, without the quoted mail below it. */
function ownText(text: string): string {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*>/.test(line) || /^(Le|On) .{4,120}(a écrit|wrote)\s*:\s*$/.test(line.trim())) break;
    lines.push(line);
  }
  return lines.join('\n');
}

interface PaidClaim {
  invoice: string;
  date: string;
  amount?: string;
}

function claimOf(ctx: MailContext): PaidClaim | undefined {
  return paidClaim(ctx.message.subject ?? '', ctx.message.text ?? '');
}

/** The invoice, the day and the amount (if any) a client's answer says were paid; undefined when it says no such thing. */
export function paidClaim(subject: string, body: string): PaidClaim | undefined {
  const text = ownText(body);
  const paid = PAID.exec(text);
  if (!paid) return undefined;
  const number = /\b([A-Za-z0-9][A-Za-z0-9+_/-]{2,34}\d)\b/g;
  const candidates = [...`${subject} ${text}`.matchAll(number)].map((x) => x[1] ?? '').filter((n) => /\d{3}/.test(n) && !/^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}$/.test(n) && !/^\d{4}-\d{2}-\d{2}$/.test(n));
  const date = parseDate(paid[1] ?? '');
  if (!date.ok || candidates.length === 0) return undefined;
  const amount = paid[2] ? parseDecimal(paid[2]) : undefined;
  return { invoice: candidates[0] ?? '', date: date.value, ...(amount?.ok ? { amount: amount.value.toFixed(2) } : {}) };
}

export const paymentReplyHandler: MailHandler = {
  name: 'payment-reply',
  accepts(ctx) {
    const m = ctx.message;
    // Only a client's answer to one of the bot's mails, with no file (a file is a batch or a payments file).
    if (!ctx.client || ctx.client.platform?.mode !== 'deposit' || m.attachments.length > 0) return false;
    if (![m.inReplyTo, ...m.references].some((id) => isBotMessageId(id, ctx.config.botAddress, true))) return false;
    return claimOf(ctx) !== undefined;
  },
  handle: handlePaymentReply,
};

async function handlePaymentReply(ctx: MailContext): Promise<HandlerResult> {
  const client = ctx.client as ClientRecord;
  const claim = claimOf(ctx) as PaidClaim;
  const lang = ctx.lang === 'en' ? 'en' : 'fr';
  const fr = lang === 'fr';
  const to = ctx.message.from?.address ?? '';
  const today = ctx.now.toISOString().slice(0, 10);
  const issues = claim.date > today ? [{ code: 'PAYMENT_IN_FUTURE' as const, severity: 'error' as const, line: 0, value: claim.date, params: { today } }] : [];
  const source = createHash('sha256').update(`mail:${ctx.message.messageId ?? ctx.key}`).digest('hex');
  const prepared = await preparePaymentRows(
    ctx.store,
    client,
    { rows: issues.length > 0 ? [] : [{ line: 0, invoice: claim.invoice, date: claim.date, ...(claim.amount ? { amount: new Dec(claim.amount) } : {}) }], issues, labels: { invoice_number: fr ? 'facture' : 'invoice', payment_date: 'date', amount: fr ? 'montant' : 'amount' } },
    source,
    ctx.now,
  );
  const declared = prepared.result.declared;
  const errors = prepared.result.issues.filter((i) => i.severity === 'error');
  const paragraphs = declared.length > 0
    ? [fr ? 'Cet encaissement est déclaré à votre plateforme agréée (statut 212 « Encaissée ») :' : 'This payment is declared to your approved platform (status 212 "Payment received"):']
    : [fr ? 'Votre réponse n’a pas pu être déclarée comme encaissement :' : 'Your answer could not be declared as a payment received:'];
  const items = [
    ...declared.map((d) => `${d.invoice} : ${displayMoney(d.amount, d.currency, lang)}, ${fr ? 'reçu le' : 'received on'} ${displayDate(d.date, lang)}`),
    ...errors.map((e) => describeIssue({ ...e, line: 0 }, lang).replace(/^(Ligne|Line) 0, /, '')),
  ];
  return {
    outcome: declared.length > 0 ? 'payments-declared' : 'payments-rejected',
    folder: 'processed',
    clientId: client.id,
    reply: { kind: 'payments-result', template: 'gdpr-message', lang, to, data: { ...frame(lang), subject: fr ? 'Votre encaissement' : 'Your payment received', paragraphs, items } },
    ...(prepared.commit ? { commit: (tx) => (prepared.commit as NonNullable<typeof prepared.commit>)(tx) } : {}),
    abort: () => prepared.abort(),
    audit: [{ action: 'routed', outcome: declared.length > 0 ? 'ok' : 'refused', clientId: client.id, details: { handler: 'payment-reply', payments: declared.length } }],
  };
}
