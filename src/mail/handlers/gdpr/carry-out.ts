/**
 * What a rights request does once every proof it needs is in: on the
 * client's record when the requester is a client (the studio is the
 * controller), passed to the client when the requester is a buyer on its
 * invoices (the client is the controller), "no data" otherwise. The answer
 * goes to the requester, the only address the request is answered at.
 * Used by the confirmation handler and by `mailbot requests approve`.
 */
import type { AuditInput, AuditTrail } from '../../../audit/trail.js';
import type { ClientRecord } from '../../../clients/record.js';
import type { Config } from '../../../config/schema.js';
import { displayDate } from '../../../core/format.js';
import { accessPackage, eraseClient, roleOf } from '../../../gdpr/execute.js';
import { applyConfirmed } from '../../../gdpr/rectification.js';
import type { RightsRequest } from '../../../gdpr/requests.js';
import { KIND_TEXT, T } from '../../../gdpr/texts.js';
import type { Staging, Store, Tx } from '../../../store/port.js';
import type { ReplyDraft } from '../../compose.js';
import { notice } from '../../notices.js';
import type { QueuedReplies } from '../types.js';

export interface CarryOutEnv {
  store: Store;
  config: Config;
  audit: AuditTrail;
}

export interface CarriedOut {
  outcome: string;
  /** To the requester. */
  answer: ReplyDraft;
  /** To others: the controller, the record's other addresses. */
  notify: ReplyDraft[];
  commit: (tx: Tx, queued: QueuedReplies) => Promise<void>;
  audit: Omit<AuditInput, 'messageId' | 'mailKey'>[];
  /** Files made only to be attached (the access ZIP): the caller removes them once the answer is composed. */
  scratch?: Staging;
}

/** Change a client record as it is at the commit (not as it was read before). */
export async function changeRecord(tx: Tx, id: string, change: (c: ClientRecord) => ClientRecord): Promise<void> {
  const current = await tx.clients.get(id);
  if (current) await tx.clients.put(change(current));
}

export async function carryOut(env: CarryOutEnv, req: RightsRequest, now: Date): Promise<CarriedOut> {
  const { store, config } = env;
  const lang = req.lang;
  const fr = lang === 'fr';
  const to = req.requester;
  const subject = T.resultSubject(lang, req.ref);
  const finish = (patch: Partial<RightsRequest>) => (tx: Tx) => tx.requests.update(req.ref, { status: 'done', closedAt: now.toISOString(), code: undefined, parties: (req.parties ?? []).map(({ code: _c, ...p }) => p), ...patch });
  const done = (patch: Partial<RightsRequest>, paragraphs: string[], items: string[] = [], extra: { attachments?: ReplyDraft['attachments']; notify?: ReplyDraft[]; commit?: (tx: Tx, queued: QueuedReplies) => Promise<void>; outcome?: string } = {}): CarriedOut => ({
    outcome: extra.outcome ?? `gdpr-${req.kind}-done`,
    answer: { ...notice(to, lang, subject, paragraphs, items, req.ref, `gdpr-${req.kind}`), ...(extra.attachments ? { attachments: extra.attachments } : {}) },
    notify: extra.notify ?? [],
    commit: async (tx, queued) => {
      await extra.commit?.(tx, queued);
      await finish(patch)(tx);
    },
    audit: [{ action: patch.status === 'forwarded' ? 'gdpr-forwarded' : patch.status === 'refused' ? 'gdpr-refused' : 'gdpr-done', outcome: patch.status === 'refused' ? 'refused' : 'ok', details: { ref: req.ref, kind: req.kind, role: patch.role ?? '' } }],
  });

  const who = await store.read((tx) => roleOf(tx, req.requester));
  if (who.role === 'unknown') return done({ role: 'unknown', outcome: 'no data held' }, T.noData(lang));
  if (who.role === 'buyer') {
    const names = who.controllers.map((c) => c.legalName).join(', ');
    const notify = who.controllers.flatMap((c) =>
      c.emails.slice(0, 1).map((controller) =>
        notice(controller, c.language, c.language === 'fr' ? `[${req.ref}] Demande RGPD d'une personne figurant sur vos factures` : `[${req.ref}] GDPR request from a person on your invoices`, c.language === 'fr'
          ? [`Le ${displayDate(now, 'fr')}, l'adresse ${req.requester} (figurant comme acheteur sur des factures émises pour votre compte) a demandé : ${KIND_TEXT[req.kind].fr}. Elle a prouvé contrôler cette adresse.`, "Vous êtes responsable du traitement : merci d'y répondre dans le délai d'un mois à compter de la demande (RGPD art. 12(3)). Nous l'avons informée que sa demande vous était transmise."]
          : [`On ${displayDate(now, 'en')}, the address ${req.requester} (the buyer on invoices issued on your behalf) asked for: ${KIND_TEXT[req.kind].en}. It proved it controls this address.`, 'You are the controller: please answer within one month of the request (GDPR Art. 12(3)). We told the person their request was passed on to you.'], [], req.ref, 'gdpr-forward'),
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
      const scratch = await store.files.stage();
      const zip = await accessPackage(store, config, env.audit, req, client, req.kind === 'portability', scratch).catch(async (err: unknown) => {
        await scratch.discard();
        throw err;
      });
      const name = `${fr ? 'mes-donnees' : 'my-data'}-${req.ref}.zip`;
      return { ...done({ ...base, outcome: 'data sent' }, fr
        ? [req.kind === 'portability' ? 'Voici, dans un format structuré et lisible par machine (JSON, CSV), les données que vous nous avez fournies, avec les fichiers transmis (RGPD art. 20).' : 'Voici toutes les données que nous détenons à votre sujet (RGPD art. 15), en JSON et CSV, avec les factures émises et les informations prévues à l’article 15(1).']
        : [req.kind === 'portability' ? 'Here, in a structured, machine-readable format (JSON, CSV), is the data you provided, with the files you sent (GDPR Art. 20).' : 'Here is all the data we hold about you (GDPR Art. 15), as JSON and CSV, with the invoices issued and the information Article 15(1) lists.'], [name], { attachments: [{ filename: name, path: zip, contentType: 'application/zip' }] }), scratch };
    }
    case 'rectification': {
      // An address that belongs to another client, to the bot or to the operator is never given to this one.
      const taken = await store.read(async (tx) => {
        const reserved = [config.botAddress, config.operatorAddress].filter(Boolean).map((a) => a?.toLowerCase());
        for (const p of (req.parties ?? []).filter((x) => x.role === 'new-address')) {
          const owner = await tx.clients.byEmail(p.address);
          if (reserved.includes(p.address) || (owner && owner.id !== client.id)) return p.address;
        }
        return undefined;
      });
      if (taken) return done({ ...base, status: 'refused', outcome: 'address taken' }, [fr ? `La rectification n'a pas été faite : l'adresse ${taken} ne peut pas être inscrite sur votre fiche.` : `The rectification was not made: the address ${taken} cannot be put on your record.`], [], { outcome: 'gdpr-rectification-refused' });
      return rectification(req, client, now, done, base);
    }
    case 'erasure': {
      const e = await eraseClient(store, config, client, req, now);
      return done({ ...base, outcome: 'erased' }, [fr ? 'Nous avons effacé les données suivantes (RGPD art. 17) :' : 'We erased the following data (GDPR Art. 17):', ...e.erased.map((x) => `• ${x}`), fr ? 'Nous conservons, pour les raisons et jusqu’aux dates indiquées :' : 'We keep, for the reasons and until the dates given:'], e.kept.map((k) => `${k.what} — ${k.basis} — ${fr ? "jusqu'au" : 'until'} ${k.until}`), { commit: e.commit });
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

type Done = (patch: Partial<RightsRequest>, paragraphs: string[], items?: string[], extra?: { notify?: ReplyDraft[]; commit?: (tx: Tx) => Promise<void>; outcome?: string }) => CarriedOut;

/**
 * Exactly the changes the code mail showed, on the record as it is at the
 * commit; the record's other addresses, as they were, are told of a key change.
 */
function rectification(req: RightsRequest, client: ClientRecord, now: Date, done: Done, base: { role: 'client'; clientIds: string[] }): CarriedOut {
  const fr = req.lang === 'fr';
  const changes = req.changes ?? [];
  const items = changes.map(T.change).concat((req.unknownFields ?? []).map((u) => (fr ? `${u} : champ non reconnu, non modifié` : `${u}: unknown field, not changed`)));
  const applied = applyConfirmed(client, req.patch ?? {}, changes, now);
  if ('stale' in applied) return done({ ...base, status: 'refused', outcome: 'record changed since the code mail' }, T.stale(req.lang, applied.stale.map((c) => c.field)), [], { outcome: 'gdpr-rectification-refused' });
  const told = req.keyChange ? client.emails.filter((e) => e !== req.requester) : [];
  const notify = told.map((old) =>
    notice(old, client.language, T.resultSubject(client.language, req.ref), [client.language === 'fr' ? `Les coordonnées suivantes de votre fiche ont été modifiées à la demande reçue depuis ${req.requester} :` : `These details of your record were changed at the request received from ${req.requester}:`], items, req.ref, 'gdpr-change-notice'),
  );
  return done({ ...base, outcome: 'record rectified' }, [fr ? 'Votre fiche a été corrigée (RGPD art. 16). Avant → après :' : 'Your record was corrected (GDPR Art. 16). Before → after:'], items, {
    notify,
    // The record as it is at the commit must still show what the code mail showed.
    commit: async (tx) => {
      const current = await tx.clients.get(client.id);
      const again = current ? applyConfirmed(current, req.patch ?? {}, changes, now) : undefined;
      if (!again || 'stale' in again) throw new Error(`record ${client.id} changed during the rectification ${req.ref}`);
      await tx.clients.put(again.after);
    },
  });
}
