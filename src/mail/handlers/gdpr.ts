/**
 * GDPR rights requests by mail (Art. 12, 15–21). A request is recognised,
 * answered with a code sent to the From address (never a Reply-To), and
 * carried out only when the code comes back: nothing personal leaves before,
 * not even whether the address is known (invariant 9).
 */
import { classifyRequest, fieldLines, ownText, type RightKind } from '../../gdpr/classify.js';
import { accessPackage, eraseClient, rectify, roleOf } from '../../gdpr/execute.js';
import { addCalendarMonths, checkCode, CODE_PATTERN, MAX_WRONG_TRIES, newCode, OPEN_STATUSES, REF_PATTERN, type RightsRequest } from '../../gdpr/requests.js';
import { frame, KIND_TEXT, T } from '../../gdpr/texts.js';
import type { Tx } from '../../store/port.js';
import type { ClientRecord } from '../../clients/record.js';
import type { ReplyDraft } from '../compose.js';
import type { Lang } from '../language.js';
import type { HandlerResult, MailContext, MailHandler } from './types.js';

function message(to: string, lang: Lang, subject: string, paragraphs: string[], items: string[] = [], reference?: string, kind = 'gdpr'): ReplyDraft {
  return { kind, template: 'gdpr-message', lang, to, data: { ...frame(lang), subject, paragraphs, items, ...(reference ? { reference } : {}) }, ...(reference ? { subjectTag: `[${reference}]` } : {}) };
}

function update(ref: string, patch: Partial<RightsRequest>): (tx: Tx) => Promise<void> {
  return (tx) => tx.requests.update(ref, patch);
}

/** The request a mail confirms: its reference in the subject or the body (ours is quoted back), from the same address. */
async function confirming(ctx: MailContext): Promise<RightsRequest | undefined> {
  const ref = REF_PATTERN.exec(`${ctx.message.subject}\n${ctx.message.text}`)?.[0];
  if (!ref) return undefined;
  const from = ctx.message.from?.address ?? '';
  const req = await ctx.store.read((tx) => tx.requests.get(ref));
  return req?.requester === from ? req : undefined;
}

/** Change a client record as it is at the commit (not as it was read before). */
async function changeRecord(tx: Tx, id: string, change: (c: ClientRecord) => ClientRecord): Promise<void> {
  const current = await tx.clients.get(id);
  if (current) await tx.clients.put(change(current));
}

export const gdprHandler: MailHandler = {
  name: 'gdpr',
  // Requests change records that batches also use: one at a time, in order, like invoices.
  exclusive: true,

  async accepts(ctx) {
    return (await confirming(ctx)) !== undefined || classifyRequest(ctx.message.subject, ctx.message.text) !== null;
  },

  async handle(ctx) {
    const pending = await confirming(ctx);
    if (pending) return confirm(ctx, pending);
    return open(ctx);
  },
};

async function open(ctx: MailContext): Promise<HandlerResult> {
  const { message: m, config, now } = ctx;
  const from = m.from?.address ?? '';
  const c = classifyRequest(m.subject, m.text);
  const lang = ctx.lang;
  if (!c || c.kind === 'unspecified') {
    return { outcome: 'gdpr-rights-listed', folder: 'processed', reply: message(from, lang, T.rightsSubject(lang), T.rightsBody(lang), T.rightsItems(lang), undefined, 'gdpr-rights'), audit: [{ action: 'routed', outcome: 'ok', details: { handler: 'gdpr', kind: 'unspecified' } }] };
  }
  const kind: RightKind = c.kind;
  const hours = config.gdpr.codeValidityHours;
  const { code, stored } = newCode(hours, now);
  const sender = ctx.audit.hash(from);
  // A second request of the same kind while one is open joins it (with a fresh code).
  const { joined, ref } = await ctx.store.read(async (tx) => ({ joined: await tx.requests.openFor(from, kind), ref: await tx.requests.nextRef(now.getUTCFullYear()) }));
  if (joined) {
    return {
      outcome: 'gdpr-joined',
      folder: 'processed',
      reply: message(from, lang, T.codeSubject(lang, joined.ref), [...T.joined(lang), ...T.codeBody(lang, kind, code, hours)], [], joined.ref, 'gdpr-code'),
      commit: update(joined.ref, { code: stored, status: 'awaiting-confirmation', messageIds: [...joined.messageIds, ...(m.messageId ? [m.messageId] : [])] }),
      audit: [{ action: 'gdpr-request', outcome: 'info', sender, details: { ref: joined.ref, kind, joined: true, trust: ctx.trust.status } }],
    };
  }
  const received = now.toISOString();
  // The code mail names the reference; the commit takes it, or fails and the mail is handled again.
  const fields = kind === 'rectification' ? fieldLines(m.text) : [];
  return {
    outcome: 'gdpr-code-sent',
    folder: 'processed',
    commit: (tx) => tx.requests.open({ ref, kind, status: 'awaiting-confirmation', requester: from, lang, receivedAt: received, dueAt: addCalendarMonths(received, 1), code: stored, messageIds: m.messageId ? [m.messageId] : [], ...(fields.length ? { fields } : {}) }),
    reply: message(from, lang, T.codeSubject(lang, ref), T.codeBody(lang, kind, code, hours), [], ref, 'gdpr-code'),
    audit: [{ action: 'gdpr-request', outcome: 'info', sender, details: { ref, kind, trust: ctx.trust.status } }],
  };
}

async function confirm(ctx: MailContext, req: RightsRequest): Promise<HandlerResult> {
  const { now, store, config } = ctx;
  const lang = req.lang;
  const to = req.requester;
  const subject = T.resultSubject(lang, req.ref);
  if (req.status === 'expired') {
    // The daily round closed it before the code came back: say so.
    return { outcome: 'gdpr-code-expired', folder: 'processed', reply: message(to, lang, subject, T.closedCode(lang, 'expired'), [], req.ref), audit: [{ action: 'gdpr-expired', outcome: 'refused', details: { ref: req.ref } }] };
  }
  if (!OPEN_STATUSES.includes(req.status) || req.status === 'confirmed') {
    return { outcome: 'gdpr-closed-request', folder: 'processed', audit: [{ action: 'routed', outcome: 'ignored', details: { ref: req.ref, status: req.status } }] };
  }
  const candidates = ownText(ctx.message.text).concat(' ', ctx.message.subject).toUpperCase().match(CODE_PATTERN) ?? [];
  const check = checkCode(req, candidates, now);
  if (check === 'wrong' || check === 'none') {
    const tries = (req.code?.wrongTries ?? 0) + 1;
    const locked = tries >= MAX_WRONG_TRIES;
    return {
      outcome: locked ? 'gdpr-code-locked' : 'gdpr-code-wrong',
      folder: 'processed',
      reply: message(to, lang, subject, locked ? T.closedCode(lang, 'locked') : T.wrongCode(lang, MAX_WRONG_TRIES - tries), [], req.ref),
      commit: update(req.ref, { ...(req.code ? { code: { ...req.code, wrongTries: tries } } : {}), ...(locked ? { status: 'refused' as const, outcome: 'too many wrong codes', closedAt: now.toISOString() } : {}) }),
      audit: [{ action: 'gdpr-code-wrong', outcome: 'refused', details: { ref: req.ref, tries } }],
    };
  }
  if (check === 'expired' || check === 'locked') {
    return {
      outcome: `gdpr-code-${check}`,
      folder: 'processed',
      reply: message(to, lang, subject, T.closedCode(lang, check), [], req.ref),
      commit: update(req.ref, { status: check === 'expired' ? 'expired' : 'refused', closedAt: now.toISOString() }),
      audit: [{ action: check === 'expired' ? 'gdpr-expired' : 'gdpr-refused', outcome: 'refused', details: { ref: req.ref } }],
    };
  }
  // The code is right: the address is proven. It is used once.
  interface Extra {
    attachments?: ReplyDraft['attachments'];
    notify?: ReplyDraft[];
    commit?: (tx: Tx) => Promise<void>;
  }
  const done = (patch: Partial<RightsRequest>, paragraphs: string[], items: string[] = [], extra: Extra = {}): HandlerResult => ({
    outcome: `gdpr-${req.kind}-done`,
    folder: 'processed',
    reply: { ...message(to, lang, subject, paragraphs, items, req.ref, `gdpr-${req.kind}`), ...(extra.attachments ? { attachments: extra.attachments } : {}) },
    ...(extra.notify ? { notify: extra.notify } : {}),
    commit: async (tx) => {
      await extra.commit?.(tx);
      await update(req.ref, { status: 'done', closedAt: now.toISOString(), code: undefined, ...patch })(tx);
    },
    audit: [{ action: 'gdpr-confirmed', outcome: 'ok', details: { ref: req.ref } }, { action: patch.status === 'forwarded' ? 'gdpr-forwarded' : 'gdpr-done', outcome: 'ok', details: { ref: req.ref, kind: req.kind, role: patch.role ?? '' } }],
  });
  const who = await store.read((tx) => roleOf(tx, req.requester));
  const fr = lang === 'fr';
  if (who.role === 'unknown') return done({ role: 'unknown', outcome: 'no data held' }, T.noData(lang));
  if (who.role === 'buyer') {
    const names = who.controllers.map((c) => c.legalName).join(', ');
    const notify = who.controllers.flatMap((c) =>
      c.emails.slice(0, 1).map((to2) =>
        message(to2, c.language, c.language === 'fr' ? `[${req.ref}] Demande RGPD d'une personne figurant sur vos factures` : `[${req.ref}] GDPR request from a person on your invoices`, c.language === 'fr'
          ? [`Le ${now.toISOString().slice(0, 10)}, l'adresse ${req.requester} (figurant comme acheteur sur des factures émises pour votre compte) a demandé : ${KIND_TEXT[req.kind].fr}. Elle a prouvé contrôler cette adresse.`, "Vous êtes responsable du traitement : merci d'y répondre dans le délai d'un mois à compter de la demande (RGPD art. 12(3)). Nous l'avons informée que sa demande vous était transmise."]
          : [`On ${now.toISOString().slice(0, 10)}, the address ${req.requester} (the buyer on invoices issued on your behalf) asked for: ${KIND_TEXT[req.kind].en}. It proved it controls this address.`, 'You are the controller: please answer within one month of the request (GDPR Art. 12(3)). We told the person their request was passed on to you.'], [], req.ref, 'gdpr-forward'),
      ),
    );
    return done({ role: 'buyer', status: 'forwarded', clientIds: who.controllers.map((c) => c.id), outcome: `forwarded to ${who.controllers.map((c) => c.id).join(', ')}` }, T.forwarded(lang, names), [], { notify });
  }
  const client = who.client;
  if (!client) throw new Error('a client role without its record');
  const base = { role: 'client' as const, clientIds: [client.id] };
  switch (req.kind) {
    case 'access':
    case 'portability': {
      const zip = await accessPackage(store, config, ctx.audit, req, client, req.kind === 'portability');
      const name = `${fr ? 'mes-donnees' : 'my-data'}-${req.ref}.zip`;
      return done({ ...base, outcome: 'data sent' }, fr
        ? [req.kind === 'portability' ? 'Voici, dans un format structuré et lisible par machine (JSON, CSV), les données que vous nous avez fournies, avec les fichiers transmis (RGPD art. 20).' : 'Voici toutes les données que nous détenons à votre sujet (RGPD art. 15), en JSON et CSV, avec les factures émises et les informations prévues à l’article 15(1).']
        : [req.kind === 'portability' ? 'Here, in a structured, machine-readable format (JSON, CSV), is the data you provided, with the files you sent (GDPR Art. 20).' : 'Here is all the data we hold about you (GDPR Art. 15), as JSON and CSV, with the invoices issued and the information Article 15(1) lists.'], [name], { attachments: [{ filename: name, content: zip, contentType: 'application/zip' }] });
    }
    case 'rectification': {
      const fields = req.fields?.length ? req.fields : fieldLines(ctx.message.text);
      const r = rectify(client, fields, now);
      if (r.error || !r.after) {
        const why = r.error ?? (fr ? 'aucun champ reconnu (écrivez des lignes « champ : valeur », par exemple « adresse : 5 rue Neuve »)' : 'no field recognised (write "field: value" lines, e.g. "address: 5 New Street")');
        return { ...done({ ...base, status: 'refused', outcome: why }, [fr ? `La rectification n'a pas pu être faite : ${why}.` : `The rectification could not be made: ${why}.`]), outcome: 'gdpr-rectification-refused' };
      }
      const after = r.after;
      const items = r.changes.map((c) => `${c.field} : ${c.before || '—'} → ${c.after}`).concat(r.unknown.map((u) => (fr ? `${u} : champ non reconnu, non modifié` : `${u}: unknown field, not changed`)));
      // A change of the address that receives mail, or of the IBAN, is also told to the record's
      // other addresses as they were before (the requester reads the answer itself).
      const sensitive = r.changes.some((c) => c.field === 'emails' || c.field === 'iban');
      const notify = sensitive ? client.emails.filter((e) => e !== to).slice(0, 5).map((old) => message(old, lang, subject, [fr ? 'Les coordonnées suivantes de votre fiche ont été modifiées à la demande reçue depuis ' + to + ' :' : 'These details of your record were changed at the request received from ' + to + ':'], items, req.ref, 'gdpr-change-notice')) : [];
      return done({ ...base, outcome: 'record rectified' }, [fr ? 'Votre fiche a été corrigée (RGPD art. 16). Avant → après :' : 'Your record was corrected (GDPR Art. 16). Before → after:'], items, {
        notify,
        commit: (tx) => tx.clients.put(after),
      });
    }
    case 'erasure': {
      const e = await eraseClient(store, config, client, req, now);
      return done({ ...base, outcome: 'erased, legal hold kept' }, [fr ? 'Nous avons effacé les données suivantes (RGPD art. 17) :' : 'We erased the following data (GDPR Art. 17):', ...e.erased.map((x) => `• ${x}`), fr ? 'Nous conservons, pour les raisons et jusqu’aux dates indiquées :' : 'We keep, for the reasons and until the dates given:'], e.kept.map((k) => `${k.what} — ${k.basis} — ${fr ? "jusqu'au" : 'until'} ${k.until}`), { commit: e.commit });
    }
    case 'restriction':
      return done({ ...base, outcome: 'restricted' }, [fr ? 'Le traitement de vos données est limité (RGPD art. 18) : elles sont seulement conservées. Les fichiers de facturation que vous enverrez ne seront pas traités tant que la limitation dure ; vous serez informé avant qu’elle soit levée.' : 'The processing of your data is restricted (GDPR Art. 18): it is only stored. Invoicing files you send will not be processed while the restriction lasts; you will be told before it is lifted.'], [], {
        commit: (tx) => changeRecord(tx, client.id, (x) => ({ ...x, restricted: { since: now.toISOString(), ref: req.ref } })),
      });
    case 'restriction-lift':
      return done({ ...base, outcome: 'restriction lifted' }, [fr ? 'À votre demande, la limitation du traitement de vos données est levée (RGPD art. 18(3)) : vos fichiers de facturation seront de nouveau traités.' : 'At your request the restriction of processing is lifted (GDPR Art. 18(3)): your invoicing files will be processed again.'], [], {
        commit: (tx) =>
          changeRecord(tx, client.id, (x) => {
            const { restricted: _r, ...rest } = x;
            return rest;
          }),
      });
    case 'objection': {
      const grounds = client.objection?.compellingGrounds;
      return done({ ...base, outcome: grounds ? 'objection recorded; compelling grounds kept' : 'objection recorded' }, fr
        ? ['Votre opposition est enregistrée (RGPD art. 21). Le seul traitement fondé sur notre intérêt légitime, le suivi de vos messages par adresse et adresse IP dans notre journal d’audit, cesse pour vous.', grounds ? `L’opérateur a consigné des motifs impérieux qui justifient de le poursuivre : ${grounds}` : 'Aucun motif impérieux ne justifie de le poursuivre. La facturation (exécution du contrat) et la conservation des factures (obligation légale) continuent.']
        : ['Your objection is recorded (GDPR Art. 21). The only processing based on our legitimate interest, tracing your messages by address and IP in our audit trail, stops for you.', grounds ? `The operator recorded compelling grounds to continue it: ${grounds}` : 'No compelling grounds justify continuing it. Invoicing (performance of the contract) and keeping invoices (legal obligation) go on.'], [], {
        commit: (tx) => changeRecord(tx, client.id, (x) => ({ ...x, objection: { since: now.toISOString(), ref: req.ref, ...(grounds ? { compellingGrounds: grounds } : {}) } })),
      });
    }
  }
}
