/**
 * Carrying out a confirmed request on the bot's own records. Pure where it
 * can be (what to change, what to say); the file work (erasure, the access
 * package) is here too, kept small and explicit.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../audit/entry.js';
import type { AuditTrail } from '../audit/trail.js';
import { batchFile } from '../batch/run.js';
import { tombstone, type ClientRecord } from '../clients/record.js';
import type { Config } from '../config/schema.js';
import { after, spell } from '../retention/settings.js';
import { displayDate } from '../core/format.js';
import { neutraliseCell } from '../core/text.js';
import type { Lang } from '../mail/language.js';
import { zipStream, type ZipEntry } from '../core/zip.js';
import type { ReadTx, Staging, Store, Tx } from '../store/port.js';
import type { RightsRequest } from './requests.js';

export interface Role {
  role: 'client' | 'buyer' | 'unknown';
  client?: ClientRecord;
  /** Clients whose invoices name this address as the buyer's. */
  controllers: ClientRecord[];
}

export async function roleOf(tx: ReadTx, address: string): Promise<Role> {
  const client = await tx.clients.byEmail(address);
  if (client) return { role: 'client', client, controllers: [] };
  const controllers: ClientRecord[] = [];
  for (const id of await tx.batches.sellersOfBuyer(address)) {
    const c = await tx.clients.get(id);
    if (c) controllers.push(c);
  }
  return controllers.length > 0 ? { role: 'buyer', controllers } : { role: 'unknown', controllers: [] };
}

/** Art. 15(1) a–h, in the person's language. */
export function art15Text(lang: Lang, config: Config): string {
  const r = config.retention;
  const recipients = config.gdpr.recipients.join('; ');
  return lang === 'fr'
    ? [
        'Informations sur le traitement de vos données (RGPD, article 15, paragraphe 1)',
        '',
        "a) Finalités : émettre pour votre compte les factures que vous nous transmettez, vous les renvoyer, tenir le registre des factures, répondre à vos demandes, assurer la sécurité du service (journal d'audit).",
        "b) Catégories de données : identité de l'entreprise et de son représentant (raison sociale, SIREN, TVA), coordonnées (adresse postale, adresses e-mail, téléphone), coordonnées bancaires (IBAN, BIC), fichiers de facturation transmis et factures émises (dont les données de vos clients), journal des messages (identités sous forme d'empreintes).",
        `c) Destinataires : ${recipients}. Les factures sont envoyées à vous seul.`,
        `d) Durée de conservation : fichiers CSV reçus ${spell(r.sourceFiles, 'fr')} ; copies des factures émises et des rapports ${spell(r.issuedCopies, 'fr')} (le studio n'archive pas vos factures pour vous : vous conservez les vôtres) ; courriers ${spell(r.mails, 'fr')} ; journal d'audit ${spell(r.auditTrail, 'fr')} ; registre de numérotation (numéros, dates, montants, empreintes, sans données de vos clients) ${spell(r.register, 'fr')} ; fiche client ${spell(r.clientRecords, 'fr')} après la fin du contrat ; demandes RGPD ${spell(r.requestContent, 'fr')} après leur clôture, puis une preuve minimale ${spell(r.requestProof, 'fr')}. Détail : notre politique de conservation des données.`,
        "e) Vos droits : rectification, effacement, limitation, opposition, portabilité, en écrivant à cette adresse.",
        "f) Vous pouvez introduire une réclamation auprès de la CNIL (3 place de Fontenoy, 75007 Paris, www.cnil.fr).",
        "g) Source : les données viennent de vous (fiche client, fichiers transmis) ; celles de vos clients viennent des fichiers que vous transmettez.",
        "h) Aucune décision automatisée produisant des effets juridiques, ni profilage.",
      ].join('\n')
    : [
        'Information about the processing of your data (GDPR Article 15(1))',
        '',
        'a) Purposes: issuing on your behalf the invoices you send us, sending them back to you, keeping the invoice register, answering your requests, keeping the service secure (audit trail).',
        "b) Categories of data: identity of the company and its representative (legal name, SIREN, VAT number), contact details (postal address, email addresses, phone), bank details (IBAN, BIC), invoicing files sent and invoices issued (including your customers' data), message log (identities as keyed hashes).",
        `c) Recipients: ${recipients}. Invoices are sent to you only.`,
        `d) Retention: CSV files received ${spell(r.sourceFiles, 'en')}; copies of the invoices issued and of the reports ${spell(r.issuedCopies, 'en')} (the studio does not archive your invoices for you: you keep your own); mails ${spell(r.mails, 'en')}; audit trail ${spell(r.auditTrail, 'en')}; numbering register (numbers, dates, amounts, hashes, no data about your customers) ${spell(r.register, 'en')}; client record ${spell(r.clientRecords, 'en')} after the contract ends; GDPR requests ${spell(r.requestContent, 'en')} after they close, then a minimal proof ${spell(r.requestProof, 'en')}. Details: our data retention policy.`,
        'e) Your rights: rectification, erasure, restriction, objection, portability, by writing to this address.',
        'f) You may lodge a complaint with the CNIL, the French supervisory authority (3 place de Fontenoy, 75007 Paris, www.cnil.fr).',
        "g) Source: the data comes from you (client record, files sent); your customers' data comes from the files you send.",
        'h) No automated decision with legal effects, no profiling.',
      ].join('\n');
}

function csvOf(rows: (string | number | undefined)[][]): string {
  return `\ufeff${rows.map((r) => r.map((v) => {
    // Every cell quoted, as in the batch report: a spreadsheet that splits on "," instead of ";" still sees one cell,
    // so "ACME,=cmd|…" can never become a formula cell of its own.
    return `"${neutraliseCell(String(v ?? '')).replaceAll('"', '""')}"`;
  }).join(';')).join('\r\n')}\r\n`;
}

/**
 * Everything held about a client, as JSON and CSV, with the invoices and
 * (portability) the files they provided: a ZIP streamed into `scratch`,
 * entry by entry; returns where it is.
 */
export async function accessPackage(store: Store, config: Config, audit: AuditTrail, req: RightsRequest, client: ClientRecord, portability: boolean, scratch: Staging): Promise<string> {
  const { batches, requests, platform } = await store.read(async (tx) => ({
    batches: await tx.batches.ofClient(client.id),
    // Each invoice's record on the approved platform: flow id, acknowledgement, lifecycle statuses.
    platform: new Map((await tx.platform.list({ clientId: client.id })).map((f) => [f.number, f])),
    requests: (await tx.requests.list()).filter((r) => r.requester === req.requester || client.emails.includes(r.requester)).map(({ code: _code, parties, ...r }) => ({ ...r, ...(parties ? { parties: parties.map(({ code: _c, ...p }) => p) } : {}) })),
  }));
  const hashes = new Set(client.emails.concat(req.requester).map((e) => audit.hash(e)));
  const auditEntries: AuditEntry[] = [];
  for await (const e of store.auditEntries({})) if (e.clientId === client.id || (typeof e.sender === 'string' && hashes.has(e.sender))) auditEntries.push(e);
  const data = {
    generatedAt: new Date().toISOString(),
    request: req.ref,
    note: 'Values such as "hmac:k1:…" in the audit entries are keyed hashes of an address or IP: the bot never stores them in clear.',
    client,
    invoices: batches.flatMap((b) =>
      b.invoices.map((i) => {
        const p = platform.get(i.number);
        const onPlatform = p ? { state: p.state, ...(p.flowId ? { flowId: p.flowId } : {}), ...(p.ack ? { ack: p.ack } : {}), history: p.history, updatedAt: p.updatedAt } : undefined;
        return { batch: b.id, receivedFile: b.fileName, committedAt: b.committedAt, ...i, ...(onPlatform ? { platform: onPlatform } : {}) };
      }),
    ),
    batches: batches.map(({ invoices, ...b }) => ({ ...b, invoiceCount: invoices.length })),
    requests,
    auditEntries,
  };
  const entries: ZipEntry[] = [
    { name: 'donnees.json', data: JSON.stringify(data, null, 2), deflate: true },
    {
      name: 'factures.csv',
      data: csvOf([
        ['invoice_ref', 'number', 'document_type', 'issue_date', 'due_date', 'buyer', 'currency', 'total_excl_vat', 'total_vat', 'total_incl_vat', 'file', 'platform_flow_id', 'platform_status'],
        ...data.invoices.map((i) => [i.ref, i.number, i.documentType ?? '380', i.issueDate, i.dueDate, i.buyerName, i.currency, i.totalExclVat, i.totalVat, i.totalInclVat, i.pdfFile, i.platform?.flowId ?? '', String(i.platform?.history.at(-1)?.code ?? i.platform?.state ?? '')]),
      ]),
      deflate: true,
    },
    { name: 'fiche-client.csv', data: csvOf([['field', 'value'], ...Object.entries(client).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])]), deflate: true },
  ];
  // Each stored file as a local file: in place (embedded) or copied out one at a time (a shared store).
  const local = async (name: string): Promise<string | undefined> => {
    if (!(await store.files.exists(name))) return undefined;
    const onDisk = store.files.localPath(name);
    if (onDisk) return onDisk;
    await scratch.write(`copies/${name}`, await store.files.read(name));
    return scratch.path(`copies/${name}`);
  };
  for (const b of batches) {
    for (const i of b.invoices) {
      const path = await local(batchFile(b.id, i.pdfFile));
      if (path) entries.push({ name: `factures/${i.pdfFile}`, path });
    }
    const source = portability ? await local(batchFile(b.id, b.sourceFile)) : undefined;
    if (source) entries.push({ name: `fichiers-transmis/${b.id.slice(0, 8)}-${b.fileName}`, path: source, deflate: true });
  }
  entries.push({ name: req.lang === 'fr' ? 'informations.txt' : 'information.txt', data: art15Text(req.lang, config), deflate: true });
  const file = `scratch/access-${req.ref}.zip`;
  await scratch.pipe(file, zipStream(entries));
  return scratch.path(file);
}

export interface Erasure {
  erased: string[];
  kept: { what: string; basis: string; until: string }[];
  /** The writes of the erasure, in the request's transaction; files are shredded and mails purged after its commit. */
  commit: (tx: Tx, queued: { messageIds: string[] }) => Promise<void>;
}

/**
 * Art. 17 for a client. The studio keeps no archive for its clients, so
 * everything goes: the contact data, the files received, the studio's copies
 * of the invoices and reports, the batch details, the earlier requests and
 * ledger entries, and every mail from or to the person's addresses in the
 * bot's folders (Processed, Rejected, Ignored, Sent). What stays is named in
 * the answer, with its reason and its end, from the retention settings: the
 * numbering register (no personal data about buyers), the seller's identity
 * it refers to, this request's proof, the audit trail (identities hashed).
 */
export async function eraseClient(store: Store, config: Config, client: ClientRecord, req: RightsRequest, now: Date): Promise<Erasure> {
  const fr = req.lang === 'fr';
  const r = config.retention;
  const { batches, outbox, requests } = await store.read(async (tx) => ({ batches: await tx.batches.ofClient(client.id), outbox: await tx.outbox.list(), requests: await tx.requests.list() }));
  const addresses = [...new Set([...client.emails, req.requester])];
  const gone = (b: (typeof batches)[number], f: string) => (b.filesRemoved ?? []).includes(f);
  const files = batches.flatMap((b) => [b.sourceFile, b.reportFile, ...b.invoices.map((i) => i.pdfFile)].filter((f) => !gone(b, f)).map((f) => batchFile(b.id, f)));
  const invoices = batches.reduce((n, b) => n + b.invoices.length, 0);
  const day = (d: Date) => displayDate(d, req.lang);
  const lastIssue = batches.flatMap((b) => b.invoices.map((i) => i.issueDate)).sort().at(-1);
  const erased = fr
    ? [
        `les fichiers CSV reçus, les copies des factures (${invoices}) et les rapports que nous gardions (${files.length} fichiers), et le détail des lots (noms de fichiers, acheteurs, références)`,
        'les adresses e-mail, le nom du contact, le téléphone, l’adresse postale et les coordonnées bancaires de la fiche client',
        'vos demandes antérieures et les entrées du registre des courriers qui vous concernent',
        `vos courriers et nos réponses dans nos dossiers de messagerie (${addresses.join(', ')})`,
      ]
    : [
        `the CSV files received, our copies of the invoices (${invoices}) and reports (${files.length} files), and the batch details (file names, buyers, references)`,
        'the e-mail addresses, contact name, phone, postal address and bank details of the client record',
        'your earlier requests and the mail ledger entries about you',
        `your mails and our replies in our mail folders (${addresses.join(', ')})`,
      ];
  const kept = [
    {
      what: fr ? 'le registre de numérotation de vos factures (numéros, dates, montants, empreintes des PDF ; aucune donnée sur vos clients), avec la raison sociale et le SIREN auxquels il se rapporte' : 'the numbering register of your invoices (numbers, dates, amounts, PDF hashes; no data about your customers), with the legal name and SIREN it refers to',
      basis: fr ? 'preuve d’une numérotation continue et chronologique (CGI, ann. II, art. 242 nonies A) ; le studio n’archive pas vos factures : conservez les vôtres' : 'proof of a continuous, chronological numbering (French Tax Code, annex II, art. 242 nonies A); the studio does not archive your invoices: keep your own',
      until: day(after(new Date(lastIssue ?? now.toISOString()), r.register)),
    },
    {
      what: fr ? 'la présente demande et sa réponse (votre adresse en clair), puis une preuve minimale (référence, type, dates, résultat, adresse sous forme d’empreinte)' : 'this request and its answer (your address in clear), then a minimal proof (reference, kind, dates, outcome, address as a keyed hash)',
      basis: fr ? 'preuve du respect de vos droits (RGPD art. 5(2))' : 'proof that your rights were honoured (GDPR Art. 5(2))',
      until: `${day(after(now, r.requestContent))} / ${day(after(now, r.requestProof))}`,
    },
    {
      what: fr ? 'le journal d’audit (actions du service ; adresses et IP sous forme d’empreintes)' : 'the audit trail (what the service did; addresses and IPs as keyed hashes)',
      basis: fr ? 'sécurité du service (intérêt légitime)' : 'security of the service (legitimate interest)',
      until: day(after(now, r.auditTrail)),
    },
  ];
  return {
    erased,
    kept,
    commit: async (tx, queued) => {
      const at = now.toISOString();
      const current = await tx.clients.get(client.id);
      if (current) await tx.clients.put(tombstone(current, at, req.ref));
      const lower = new Set(addresses.map((a) => a.toLowerCase()));
      await tx.requests.remove(requests.filter((x) => x.ref !== req.ref && lower.has(x.requester)).map((x) => x.ref));
      await tx.batches.minimize(batches.map((b) => b.id), at);
      tx.files.shred(files);
      await tx.ledger.forgetClient(client.id);
      for (const e of outbox) if (e.clientId === client.id || e.envelope.to.some((t) => lower.has(t.toLowerCase()))) await tx.outbox.cancel(e.id);
      // Every mail of the person up to this commit, the confirmation included (arrival dates have whole
      // seconds: up to the end of this one), but the answers queued with it: the answer to this
      // request is kept with the request as its proof.
      const endOfSecond = new Date(Math.floor(Date.parse(at) / 1000) * 1000 + 1000).toISOString();
      await tx.tasks.add({ id: randomUUID(), kind: 'mailbox-purge', purge: { folders: mailFolders(config), addresses, before: endOfSecond, keepMessageIds: queued.messageIds }, reason: `erasure ${req.ref}`, createdAt: at, attempts: 0 });
    },
  };
}

/** Every folder where the bot keeps mail: its three folders and Sent (never the inbox). */
export function mailFolders(config: Config): string[] {
  return [config.folders.processed, config.folders.rejected, config.folders.ignored, ...(config.imap ? (config.imap.sentFolder ? [config.imap.sentFolder] : []) : ['Sent'])];
}
