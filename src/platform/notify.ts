/**
 * What the seller reads about its invoices on the platform, in its
 * language: at once when an invoice will not be paid as issued (rejected by
 * the platforms, refused by the buyer, disputed, suspended, or not even
 * accepted at deposit), with the reason and what to do; once a day, the
 * other statuses of the day. Mails through the outbox, like every reply.
 */
import type { ClientRecord } from '../clients/record.js';
import { displayDateTime } from '../core/format.js';
import { frame } from '../gdpr/texts.js';
import type { ReplyDraft } from '../mail/compose.js';
import type { AckDetail } from './records.js';
import { statusLabel, type LifecycleStatus } from './statuses.js';

type Lang = 'fr' | 'en';

/** What the seller should do after each alert (a credit note and a new invoice, as contract v2 allows). */
const WHAT_TO_DO: Record<number, Record<Lang, string>> = {
  213: {
    fr: 'La facture n’a pas été transmise à votre client : elle est considérée comme non émise. Corrigez la cause ci-dessus et envoyez un nouveau fichier : une nouvelle facture, avec un nouveau numéro, sera émise et déposée.',
    en: 'The invoice was not passed on to your customer: it counts as not issued. Fix the cause above and send a new file: a new invoice, with a new number, will be issued and deposited.',
  },
  210: {
    fr: 'Votre client refuse la facture. Pour l’annuler, envoyez un avoir qui la cite (colonne facture_origine), puis, si besoin, une nouvelle facture corrigée.',
    en: 'Your customer refuses the invoice. To cancel it, send a credit note that names it (column preceding_invoice), then a corrected invoice if needed.',
  },
  207: {
    fr: 'Votre client conteste la facture. Voyez avec lui ; si un montant doit changer, envoyez un avoir qui cite la facture (colonne facture_origine) ou une facture rectificative.',
    en: 'Your customer disputes the invoice. Talk it over with them; if an amount must change, send a credit note naming the invoice (column preceding_invoice) or a corrective invoice.',
  },
  208: {
    fr: 'Votre client suspend la facture en attendant un complément (pièce, référence…). Envoyez-lui ce qui manque ; la facture reprendra son cours.',
    en: 'Your customer suspended the invoice until something is added (a document, a reference…). Send them what is missing; the invoice will then go on.',
  },
};

export interface AlertFacts {
  number: string;
  code: LifecycleStatus | 'ack-error';
  at: string;
  reasonCode?: string;
  reason?: string;
  details?: AckDetail[];
}

export function alertDraft(client: Pick<ClientRecord, 'emails' | 'language'>, f: AlertFacts): ReplyDraft | undefined {
  const to = client.emails[0];
  if (!to) return undefined;
  const lang: Lang = client.language === 'en' ? 'en' : 'fr';
  const fr = lang === 'fr';
  const label = f.code === 'ack-error' ? (fr ? 'Refusée au dépôt' : 'Refused at deposit') : statusLabel(f.code, lang);
  const reason = [f.reasonCode, f.reason].filter(Boolean).join(' — ');
  const items = (f.details ?? []).slice(0, 20).map((d) => `${d.level}${d.item ? ` (${d.item})` : ''}: ${d.reasonMessage ?? ''}${d.reasonCode ? ` [${d.reasonCode}]` : ''}`);
  const todo = WHAT_TO_DO[f.code === 'ack-error' ? 213 : f.code]?.[lang] ?? '';
  return {
    kind: 'platform-alert',
    template: 'gdpr-message',
    lang,
    to,
    data: {
      ...frame(lang),
      subject: fr ? `Facture ${f.number} : ${label}` : `Invoice ${f.number}: ${label}`,
      paragraphs: [
        fr ? `La plateforme agréée signale pour la facture ${f.number} le statut « ${label} »${f.code === 'ack-error' ? '' : ` (${f.code})`}, le ${displayDateTime(f.at, lang)}.` : `The approved platform reports the status "${label}"${f.code === 'ack-error' ? '' : ` (${f.code})`} for invoice ${f.number}, on ${displayDateTime(f.at, lang)}.`,
        ...(reason ? [fr ? `Motif : ${reason}` : `Reason: ${reason}`] : []),
      ],
      items,
      paragraphsAfter: todo ? [todo] : [],
    },
  };
}

export interface DigestLine {
  number: string;
  code: LifecycleStatus;
  at: string;
}

export function digestDraft(client: Pick<ClientRecord, 'emails' | 'language'>, lines: readonly DigestLine[], day: string): ReplyDraft | undefined {
  const to = client.emails[0];
  if (!to || lines.length === 0) return undefined;
  const lang: Lang = client.language === 'en' ? 'en' : 'fr';
  const fr = lang === 'fr';
  return {
    kind: 'platform-digest',
    template: 'gdpr-message',
    lang,
    to,
    data: {
      ...frame(lang),
      subject: fr ? `Vos factures sur la plateforme : ${lines.length} nouveau(x) statut(s)` : `Your invoices on the platform: ${lines.length} new status(es)`,
      paragraphs: [fr ? `Les statuts reçus de la plateforme agréée depuis le dernier point (${day}) :` : `The statuses received from the approved platform since the last summary (${day}):`],
      items: lines.slice(0, 500).map((l) => `${l.number} : ${statusLabel(l.code, lang)} (${l.code}), ${displayDateTime(l.at, lang)}`),
      paragraphsAfter: lines.length > 500 ? [fr ? `… et ${lines.length - 500} autre(s) : mailbot invoices les liste toutes.` : `… and ${lines.length - 500} more.`] : [],
    },
  };
}
