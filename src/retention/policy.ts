/**
 * The "Politique de conservation des données", written from the live
 * retention settings: the document the studio publishes and the purge the
 * daemon runs read the same values, so they cannot disagree. Markdown or
 * HTML, in French or English.
 */
import type { Config } from '../config/schema.js';
import { displayDate } from '../core/format.js';
import { spell, type RetentionCategory } from './settings.js';

type Lang = 'fr' | 'en';

interface Row {
  what: string;
  duration: string;
  from: string;
  how: string;
  why: string;
}

interface Doc {
  title: string;
  intro: string[];
  headers: [string, string, string, string, string];
  rows: Row[];
  sections: { title: string; paragraphs: string[] }[];
}

/** For each category: what it is, when its time starts, how it goes, why that long (fr, en). */
const TEXT: Record<RetentionCategory, Record<Lang, Omit<Row, 'duration'>>> = {
  sourceFiles: {
    fr: { what: 'Fichiers CSV reçus des clients', from: 'émission du lot', how: 'fichier écrasé, vidé sur disque, puis supprimé', why: 'corriger un lot contesté ; le client garde son fichier' },
    en: { what: 'CSV files received from clients', from: 'the batch was issued', how: 'file overwritten, flushed, then deleted', why: 'to fix a disputed batch; the client keeps its own file' },
  },
  issuedCopies: {
    fr: { what: 'Copies des factures émises (PDF Factur-X) et des rapports de lot ; détail des lots (acheteurs, références)', from: 'émission du lot', how: 'fichiers écrasés puis supprimés ; le lot est réduit au registre de numérotation', why: 'renvoyer une facture perdue ; le studio n’archive pas les factures : le client conserve les siennes (C. com. L123-22, CGI L102 B)' },
    en: { what: 'Copies of the invoices issued (Factur-X PDFs) and of the batch reports; batch details (buyers, references)', from: 'the batch was issued', how: 'files overwritten then deleted; the batch is reduced to the numbering register', why: 'to send a lost invoice again; the studio does not archive invoices: the client keeps its own (C. com. L123-22, CGI L102 B)' },
  },
  mails: {
    fr: { what: 'Courriers dans les dossiers du service (traités, rejetés, ignorés, envoyés) ; en mode local, les dossiers mailbox/ et outbox/ ; réponses refusées par le serveur ; registre des courriers traités', from: 'arrivée ou envoi du courrier', how: 'IMAP : marqué \\Deleted puis UID EXPUNGE ; fichiers : écrasés puis supprimés', why: 'répondre à une question sur un envoi ; le registre protège d’un second traitement tant que le courrier est là' },
    en: { what: 'Mails in the service’s folders (processed, rejected, ignored, sent); in local mode, the mailbox/ and outbox/ folders; replies the server refused; the processed-mail ledger', from: 'the mail arrived or was sent', how: 'IMAP: flagged \\Deleted then UID EXPUNGE; files: overwritten then deleted', why: 'to answer a question about a mail; the ledger prevents handling a mail twice while it is there' },
  },
  auditTrail: {
    fr: { what: 'Journal d’audit (actions du service ; adresses et IP sous forme d’empreintes HMAC, jamais en clair)', from: 'écriture de la ligne', how: 'les lignes anciennes sont retirées, le fichier réécrit et l’ancien écrasé ; une ligne de point de contrôle ancre la chaîne qui reste', why: 'sécurité du service (recommandation de la CNIL pour les journaux : 6 à 12 mois)' },
    en: { what: 'Audit trail (what the service did; addresses and IPs as HMAC keyed hashes, never in clear)', from: 'the line was written', how: 'old lines are dropped, the file rewritten and the old one overwritten; a checkpoint line anchors the chain that stays', why: 'security of the service (the CNIL’s guidance for logs: 6 to 12 months)' },
  },
  requestContent: {
    fr: { what: 'Contenu des demandes RGPD (modifications demandées, codes, adresse du demandeur en clair)', from: 'clôture de la demande', how: 'champs effacés ; l’adresse remplacée par son empreinte', why: 'répondre à une question sur la réponse donnée' },
    en: { what: 'Content of GDPR requests (changes asked, codes, the requester’s address in clear)', from: 'the request closed', how: 'fields erased; the address replaced by its keyed hash', why: 'to answer a question about the answer given' },
  },
  requestProof: {
    fr: { what: 'Preuve minimale des demandes RGPD (référence, type, dates, résultat, demandeur sous forme d’empreinte)', from: 'clôture de la demande', how: 'enregistrement supprimé', why: 'prouver que les droits ont été respectés (RGPD art. 5(2)) pendant la prescription (C. civ. 2224)' },
    en: { what: 'Minimal proof of GDPR requests (reference, kind, dates, outcome, requester as a keyed hash)', from: 'the request closed', how: 'record deleted', why: 'to prove rights were honoured (GDPR Art. 5(2)) during the limitation period (C. civ. 2224)' },
  },
  clientRecords: {
    fr: { what: 'Fiche client (contact, adresses e-mail, téléphone, adresse, coordonnées bancaires)', from: 'fin du contrat (mailbot client close)', how: 'fiche réduite à l’identité à laquelle le registre se rapporte (raison sociale, SIREN, TVA, pays)', why: 'prescription des actions entre commerçants (C. com. L110-4)' },
    en: { what: 'Client record (contact, email addresses, phone, address, bank details)', from: 'the contract ended (mailbot client close)', how: 'record reduced to the identity the register refers to (legal name, SIREN, VAT number, country)', why: 'limitation period of claims between traders (C. com. L110-4)' },
  },
  register: {
    fr: { what: 'Registre de numérotation (série, numéro, type de document, factures citées, date, montants, empreinte SHA-256 de chaque PDF), empreintes des fichiers reçus et, pour chaque facture déposée, son dossier sur la plateforme agréée (identifiant du flux, accusé de réception, statuts du cycle de vie et leurs motifs, déclarations d’encaissement) ; aucune donnée sur les acheteurs', from: 'émission du lot', how: 'entrées supprimées, avec le dossier plateforme de leurs factures ; chaque série garde son dernier numéro', why: 'prouver une numérotation continue et chronologique (CGI ann. II art. 242 nonies A), refuser un fichier déjà facturé, savoir ce qui reste à créditer, et prouver que chaque facture a été transmise et suivie par la plateforme comme la réforme l’exige (CGI art. 289 bis)' },
    en: { what: 'Numbering register (series, number, document type, invoices referred to, date, amounts, the SHA-256 of each PDF), hashes of the files received and, for each invoice deposited, its record on the approved platform (flow id, acknowledgement, lifecycle statuses and their reasons, payment declarations); no data about buyers', from: 'the batch was issued', how: 'entries deleted, with their invoices’ platform records; each series keeps its last number', why: 'to prove a continuous, chronological numbering (CGI annex II art. 242 nonies A), refuse a file already invoiced, know what remains to be credited, and prove that each invoice was transmitted and followed by the platform as the reform requires (CGI art. 289 bis)' },
  },
};

const ORDER: readonly RetentionCategory[] = ['sourceFiles', 'issuedCopies', 'mails', 'requestContent', 'auditTrail', 'clientRecords', 'requestProof', 'register'];

function document(config: Config, lang: Lang, now: Date): Doc {
  const r = config.retention;
  const fr = lang === 'fr';
  const rows = ORDER.map((c) => ({ ...TEXT[c][lang], duration: spell(r[c], lang) }));
  return {
    title: fr ? 'Politique de conservation des données' : 'Data retention policy',
    intro: fr
      ? [`Service de facturation par courrier du studio (${config.botAddress}). Document produit le ${displayDate(now, 'fr')} à partir des réglages appliqués par le service : ce qui est écrit ici est ce que le service fait.`, 'Les données ne sont conservées que le temps nécessaire au service. Le studio ne fournit pas d’archivage légal pour le compte de ses clients : chaque client conserve lui-même ses factures pendant les durées que la loi lui impose.']
      : [`The studio’s invoicing mail service (${config.botAddress}). Document produced on ${displayDate(now, 'en')} from the settings the service enforces: what is written here is what the service does.`, 'Data is kept only as long as the service needs it. The studio does not provide legal archiving on its clients’ behalf: each client keeps its own invoices for the periods the law sets for it.'],
    headers: fr ? ['Données', 'Durée', 'À compter de', 'Destruction', 'Pourquoi cette durée'] : ['Data', 'Kept for', 'Counted from', 'How it is destroyed', 'Why'],
    rows,
    sections: [
      {
        title: fr ? 'Quand et comment' : 'When and how',
        paragraphs: fr
          ? [`La purge s’exécute chaque jour (planification « ${r.cron} », heure du serveur) et peut être lancée à la main (mailbot retention run) ; mailbot retention --dry-run montre ce qu’elle supprimerait. Chaque purge ajoute au journal d’audit une ligne avec le nombre d’éléments supprimés par catégorie, jamais leur contenu.`, 'Un fichier est écrasé, vidé sur disque, puis supprimé. Sur un système de fichiers journalisé ou à copie sur écriture, ou sur un SSD, l’écrasement ne garantit pas que d’anciens blocs disparaissent du support : les données du service sont sur un volume chiffré, ce qui rend ces blocs illisibles sans la clé.', `Les journaux techniques du serveur (sans adresse en clair) ne sont pas conservés plus de ${spell(r.auditTrail, 'fr')}, et les sauvegardes ne gardent rien au-delà des durées ci-dessus.`]
          : [`The purge runs every day (schedule "${r.cron}", server time) and can be run by hand (mailbot retention run); mailbot retention --dry-run shows what it would remove. Each purge adds one line to the audit trail with the number of items removed per category, never their content.`, 'A file is overwritten, flushed, then deleted. On a journaling or copy-on-write file system, or an SSD, overwriting does not guarantee that old blocks leave the medium: the service’s data lives on an encrypted volume, which makes those blocks unreadable without the key.', `The server’s technical logs (no address in clear) are kept no longer than ${spell(r.auditTrail, 'en')}, and backups keep nothing beyond the durations above.`],
      },
      {
        title: fr ? 'Ce qui est gardé plus longtemps, et pourquoi' : 'What is kept longer, and why',
        paragraphs: fr
          ? [`Le registre de numérotation (${spell(r.register, 'fr')}) survit aux copies : il ne contient que des numéros, des dates, des montants et des empreintes, et permet de prouver que la numérotation de chaque client est continue. La fiche d’un client est réduite, ${spell(r.clientRecords, 'fr')} après la fin du contrat, à l’identité à laquelle ce registre se rapporte.`]
          : [`The numbering register (${spell(r.register, 'en')}) outlives the copies: it holds only numbers, dates, amounts and hashes, and proves that each client’s numbering is continuous. A client’s record is reduced, ${spell(r.clientRecords, 'en')} after its contract ended, to the identity that register refers to.`],
      },
      {
        title: fr ? 'Effacement et limitation sur demande' : 'Erasure and restriction on request',
        paragraphs: fr
          ? ['Une demande d’effacement confirmée (RGPD art. 17) applique sans attendre les mêmes destructions : fichiers reçus, copies, courriers, fiche. La réponse indique ce qui reste (le registre, la preuve de la demande, le journal d’audit), jusqu’à quand et pourquoi, à partir des durées ci-dessus.', 'Une limitation (art. 18) suspend tout traitement : les données sont seulement conservées. Tant qu’elle dure, la purge ne détruit ni les fichiers, ni les copies, ni la fiche, ni les courriers du client concerné (la personne peut en avoir besoin pour faire valoir un droit, art. 18(1)(c)) ; elle les reprend dès la levée de la limitation.']
          : ['A confirmed erasure request (GDPR Art. 17) applies the same destruction at once: files received, copies, mails, the record. The answer states what stays (the register, the request’s proof, the audit trail), until when and why, from the durations above.', 'A restriction (Art. 18) stops all processing: the data is only stored. While it holds, the purge destroys none of the client’s files, copies, record or mails (the person may need them for a claim, Art. 18(1)(c)); it takes them up again once the restriction is lifted.'],
      },
    ],
  };
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const cell = (s: string) => s.replaceAll('|', '\\|');

export function retentionPolicy(config: Config, options: { lang: Lang; format: 'md' | 'html'; now?: Date }): string {
  const d = document(config, options.lang, options.now ?? new Date());
  if (options.format === 'md') {
    return [
      `# ${d.title}`,
      '',
      ...d.intro.flatMap((p) => [p, '']),
      `| ${d.headers.join(' | ')} |`,
      `|${d.headers.map(() => ' --- ').join('|')}|`,
      ...d.rows.map((r) => `| ${[r.what, r.duration, r.from, r.how, r.why].map(cell).join(' | ')} |`),
      '',
      ...d.sections.flatMap((s) => [`## ${s.title}`, '', ...s.paragraphs.flatMap((p) => [p, ''])]),
    ].join('\n');
  }
  return [
    '<!DOCTYPE html>',
    `<html lang="${options.lang}"><head><meta charset="utf-8"><title>${esc(d.title)}</title></head><body>`,
    `<h1>${esc(d.title)}</h1>`,
    ...d.intro.map((p) => `<p>${esc(p)}</p>`),
    `<table><thead><tr>${d.headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`,
    ...d.rows.map((r) => `<tr>${[r.what, r.duration, r.from, r.how, r.why].map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`),
    '</tbody></table>',
    ...d.sections.flatMap((s) => [`<h2>${esc(s.title)}</h2>`, ...s.paragraphs.map((p) => `<p>${esc(p)}</p>`)]),
    '</body></html>',
    '',
  ].join('\n');
}
