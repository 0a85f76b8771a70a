/**
 * Carrying out a confirmed request on the bot's own records. Pure where it
 * can be (what to change, what to say); the file work (erasure, the access
 * package) is here too, kept small and explicit.
 */
import { strToU8, zipSync } from 'fflate';
import type { AuditEntry } from '../audit/entry.js';
import type { AuditTrail } from '../audit/trail.js';
import { batchFile } from '../batch/run.js';
import type { ClientRecord } from '../clients/record.js';
import type { Config } from '../config/schema.js';
import { neutraliseCell } from '../core/text.js';
import type { Lang } from '../mail/language.js';
import type { ReadTx, Store, Tx } from '../store/port.js';
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
  const years = config.gdpr.invoiceRetentionYears;
  const recipients = config.gdpr.recipients.join('; ');
  return lang === 'fr'
    ? [
        'Informations sur le traitement de vos données (RGPD, article 15, paragraphe 1)',
        '',
        "a) Finalités : émettre pour votre compte les factures que vous nous transmettez, vous les renvoyer, tenir le registre des factures, répondre à vos demandes, assurer la sécurité du service (journal d'audit).",
        "b) Catégories de données : identité de l'entreprise et de son représentant (raison sociale, SIREN, TVA), coordonnées (adresse postale, adresses e-mail, téléphone), coordonnées bancaires (IBAN, BIC), fichiers de facturation transmis et factures émises (dont les données de vos clients), journal des messages (identités sous forme d'empreintes).",
        `c) Destinataires : ${recipients}. Les factures sont envoyées à vous seul.`,
        `d) Durée de conservation : factures et registre des factures ${years} ans (C. com. art. L123-22) ; fichiers CSV reçus et journaux le temps du service ; demandes RGPD 5 ans.`,
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
        `d) Retention: invoices and the invoice register ${years} years (French Commercial Code art. L123-22); CSV files received and logs for the duration of the service; GDPR requests 5 years.`,
        'e) Your rights: rectification, erasure, restriction, objection, portability, by writing to this address.',
        'f) You may lodge a complaint with the CNIL, the French supervisory authority (3 place de Fontenoy, 75007 Paris, www.cnil.fr).',
        "g) Source: the data comes from you (client record, files sent); your customers' data comes from the files you send.",
        'h) No automated decision with legal effects, no profiling.',
      ].join('\n');
}

function csvOf(rows: (string | number | undefined)[][]): string {
  return `\ufeff${rows.map((r) => r.map((v) => {
    const s = neutraliseCell(String(v ?? ''));
    return /[";\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  }).join(';')).join('\r\n')}\r\n`;
}

/** Everything held about a client, as JSON and CSV, with the invoices and (portability) the files they provided. */
export async function accessPackage(store: Store, config: Config, audit: AuditTrail, req: RightsRequest, client: ClientRecord, portability: boolean): Promise<Buffer> {
  const { batches, requests } = await store.read(async (tx) => ({
    batches: await tx.batches.ofClient(client.id),
    requests: (await tx.requests.list()).filter((r) => r.requester === req.requester || client.emails.includes(r.requester)).map(({ code: _code, ...r }) => r),
  }));
  const hashes = new Set(client.emails.concat(req.requester).map((e) => audit.hash(e)));
  const auditEntries: AuditEntry[] = [];
  for await (const e of store.auditEntries({})) if (e.clientId === client.id || (typeof e.sender === 'string' && hashes.has(e.sender))) auditEntries.push(e);
  const files: Record<string, Uint8Array> = {};
  const data = {
    generatedAt: new Date().toISOString(),
    request: req.ref,
    note: 'Values such as "hmac:k1:…" in the audit entries are keyed hashes of an address or IP: the bot never stores them in clear.',
    client,
    invoices: batches.flatMap((b) => b.invoices.map((i) => ({ batch: b.id, receivedFile: b.fileName, committedAt: b.committedAt, ...i }))),
    batches: batches.map(({ invoices, ...b }) => ({ ...b, invoiceCount: invoices.length })),
    requests,
    auditEntries,
  };
  files['donnees.json'] = strToU8(JSON.stringify(data, null, 2));
  files['factures.csv'] = strToU8(csvOf([
    ['invoice_ref', 'number', 'issue_date', 'due_date', 'buyer', 'currency', 'total_excl_vat', 'total_vat', 'total_incl_vat', 'file'],
    ...data.invoices.map((i) => [i.ref, i.number, i.issueDate, i.dueDate, i.buyerName, i.currency, i.totalExclVat, i.totalVat, i.totalInclVat, i.pdfFile]),
  ]));
  files['fiche-client.csv'] = strToU8(csvOf([['field', 'value'], ...Object.entries(client).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])]));
  const readIfThere = async (name: string) => ((await store.files.exists(name)) ? store.files.read(name) : undefined);
  for (const b of batches) {
    for (const i of b.invoices) {
      const pdf = await readIfThere(batchFile(b.id, i.pdfFile));
      if (pdf) files[`factures/${i.pdfFile}`] = pdf;
    }
    const source = portability ? await readIfThere(batchFile(b.id, b.sourceFile)) : undefined;
    if (source) files[`fichiers-transmis/${b.id.slice(0, 8)}-${b.fileName}`] = source;
  }
  files[req.lang === 'fr' ? 'informations.txt' : 'information.txt'] = strToU8(art15Text(req.lang, config));
  return Buffer.from(zipSync(files, { level: 6 }));
}

export interface Erasure {
  erased: string[];
  kept: { what: string; basis: string; until: string }[];
  /** The writes of the erasure, in the request's transaction; the files are shredded after its commit. */
  commit: (tx: Tx) => Promise<void>;
}

/**
 * Art. 17 for a client: contact data, received CSV files and reports go; the
 * invoices and the invoice register stay under the legal hold (Art. 17(3)(b):
 * C. com. L123-22 keeps accounting documents ten years), with the seller
 * identity printed on them.
 */
export async function eraseClient(store: Store, config: Config, client: ClientRecord, req: RightsRequest, now: Date): Promise<Erasure> {
  const fr = req.lang === 'fr';
  const erased: string[] = [];
  const batches = await store.read((tx) => tx.batches.ofClient(client.id));
  const gone = (b: (typeof batches)[number], f: string) => (b.filesRemoved ?? []).includes(f);
  const sources = batches.filter((b) => !gone(b, b.sourceFile)).map((b) => batchFile(b.id, b.sourceFile));
  const reports = batches.filter((b) => !gone(b, b.reportFile)).map((b) => batchFile(b.id, b.reportFile));
  erased.push(fr ? `fichiers CSV reçus : ${sources.length}` : `CSV files received: ${sources.length}`);
  erased.push(fr ? `rapports de lots : ${reports.length}` : `batch reports: ${reports.length}`);
  erased.push(fr ? 'adresses e-mail, nom du contact, téléphone de la fiche client' : 'email addresses, contact name, phone of the client record');
  erased.push(fr ? 'demandes RGPD antérieures et entrées du registre des courriers qui vous concernent' : 'earlier GDPR requests and mail ledger entries about you');
  const lastIssue = batches.flatMap((b) => b.invoices.map((i) => i.issueDate)).sort().at(-1) ?? now.toISOString().slice(0, 10);
  const until = `${Number(lastIssue.slice(0, 4)) + config.gdpr.invoiceRetentionYears}${lastIssue.slice(4)}`;
  const kept = [
    {
      what: fr ? `factures émises (${batches.reduce((n, b) => n + b.invoices.length, 0)}) et registre des factures, avec l'identité du vendeur qui y figure (raison sociale, SIREN, TVA, adresse, IBAN)` : `issued invoices (${batches.reduce((n, b) => n + b.invoices.length, 0)}) and the invoice register, with the seller identity printed on them (name, SIREN, VAT, address, IBAN)`,
      basis: fr ? 'obligation légale de conservation (RGPD art. 17(3)(b) ; C. com. art. L123-22, 10 ans)' : 'legal retention duty (GDPR Art. 17(3)(b); French Commercial Code art. L123-22, 10 years)',
      until,
    },
    { what: fr ? 'la présente demande et sa réponse' : 'this request and its answer', basis: fr ? 'preuve du respect de vos droits (art. 5(2))' : 'proof that your rights were honoured (Art. 5(2))', until: `${now.getUTCFullYear() + 5}${now.toISOString().slice(4, 10)}` },
  ];
  return {
    erased,
    kept,
    commit: async (tx) => {
      const at = now.toISOString();
      const current = await tx.clients.get(client.id);
      if (current) {
        const { contactName: _n, phone: _p, ...rest } = current;
        await tx.clients.put({ ...rest, emails: [], erased: { at, ref: req.ref }, updatedAt: at });
      }
      const addresses = new Set([...client.emails, req.requester]);
      const earlier = (await tx.requests.list()).filter((r) => r.ref !== req.ref && addresses.has(r.requester)).map((r) => r.ref);
      await tx.requests.remove(earlier);
      for (const b of batches) await tx.batches.amend([b.id], { fileName: '(effacé / erased)', filesRemoved: [b.sourceFile, b.reportFile] });
      await tx.ledger.forgetClient(client.id);
      tx.files.shred([...sources, ...reports]);
    },
  };
}
