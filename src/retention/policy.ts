/**
 * The "Politique de conservation des données", written from the live
 * retention settings: the document the studio publishes and the purge the
 * daemon runs read the same values, so they cannot disagree. Markdown or
 * HTML, in French or English. It is written for the studio's clients: it
 * names the controller and whom to write to, speaks without the service's
 * technical words, and states the operator's own commitments about the
 * server (encryption, logs, backups) only as the configuration states them.
 */
import { studioContact, type Config } from '../config/schema.js';
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

export interface PolicyDoc {
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
    fr: { what: 'Courriers dans les dossiers du service (traités, rejetés, ignorés, envoyés) ; réponses refusées par le serveur ; registre des courriers traités', from: 'arrivée ou envoi du courrier', how: 'supprimés de la boîte aux lettres du serveur de messagerie ; fichiers locaux écrasés puis supprimés', why: 'répondre à une question sur un envoi ; le registre protège d’un second traitement tant que le courrier est là' },
    en: { what: 'Mails in the service’s folders (processed, rejected, ignored, sent); replies the server refused; the processed-mail ledger', from: 'the mail arrived or was sent', how: 'deleted from the mailbox on the mail server; local files overwritten then deleted', why: 'to answer a question about a mail; the ledger prevents handling a mail twice while it is there' },
  },
  auditTrail: {
    fr: { what: 'Journal d’audit (actions du service ; adresses e-mail et IP remplacées par une empreinte à clé secrète, jamais en clair)', from: 'écriture de la ligne', how: 'les lignes anciennes sont retirées, le fichier réécrit et l’ancien écrasé ; une ligne de point de contrôle ancre la chaîne qui reste', why: 'sécurité du service (recommandation de la CNIL pour les journaux : 6 à 12 mois)' },
    en: { what: 'Audit trail (what the service did; e-mail and IP addresses replaced by a fingerprint made with a secret key, never in clear)', from: 'the line was written', how: 'old lines are dropped, the file rewritten and the old one overwritten; a checkpoint line anchors the chain that stays', why: 'security of the service (the CNIL’s guidance for logs: 6 to 12 months)' },
  },
  requestContent: {
    fr: { what: 'Contenu des demandes RGPD (modifications demandées, codes, adresse du demandeur en clair)', from: 'clôture de la demande', how: 'champs effacés ; l’adresse remplacée par son empreinte', why: 'répondre à une question sur la réponse donnée' },
    en: { what: 'Content of GDPR requests (changes asked, codes, the requester’s address in clear)', from: 'the request closed', how: 'fields erased; the address replaced by its fingerprint', why: 'to answer a question about the answer given' },
  },
  requestProof: {
    fr: { what: 'Preuve minimale des demandes RGPD (référence, type, dates, résultat, demandeur sous forme d’empreinte)', from: 'clôture de la demande', how: 'enregistrement supprimé', why: 'prouver que les droits ont été respectés (RGPD art. 5(2)) pendant la prescription (C. civ. 2224)' },
    en: { what: 'Minimal proof of GDPR requests (reference, kind, dates, outcome, the requester as a fingerprint)', from: 'the request closed', how: 'record deleted', why: 'to prove rights were honoured (GDPR Art. 5(2)) during the limitation period (C. civ. 2224)' },
  },
  clientRecords: {
    fr: { what: 'Fiche client (contact, adresses e-mail, téléphone, adresse, coordonnées bancaires)', from: 'fin du contrat', how: 'fiche réduite à l’identité à laquelle le registre se rapporte (raison sociale, SIREN, TVA, pays)', why: 'prescription des actions entre commerçants (C. com. L110-4)' },
    en: { what: 'Client record (contact, email addresses, phone, address, bank details)', from: 'the contract ended', how: 'record reduced to the identity the register refers to (legal name, SIREN, VAT number, country)', why: 'limitation period of claims between traders (C. com. L110-4)' },
  },
  register: {
    fr: { what: 'Registre de numérotation (série, numéro, type de document, factures citées, date, montants, empreinte de chaque PDF), empreintes des fichiers reçus et, pour chaque facture déposée, son dossier sur la plateforme agréée (identifiant du flux, accusé de réception, statuts du cycle de vie et leurs motifs, déclarations d’encaissement) ; aucune donnée sur les acheteurs', from: 'émission du lot', how: 'entrées supprimées, avec le dossier plateforme de leurs factures ; chaque série garde son dernier numéro', why: 'prouver une numérotation continue et chronologique (CGI ann. II art. 242 nonies A), refuser un fichier déjà facturé, savoir ce qui reste à créditer, et prouver que chaque facture a été transmise et suivie par la plateforme comme la réforme l’exige (CGI art. 289 bis)' },
    en: { what: 'Numbering register (series, number, document type, invoices referred to, date, amounts, a fingerprint of each PDF, fingerprints of the files received and, for each invoice deposited, its record on the approved platform (flow id, acknowledgement, lifecycle statuses and their reasons, payment declarations); no data about buyers', from: 'the batch was issued', how: 'entries deleted, with their invoices’ platform records; each series keeps its last number', why: 'to prove a continuous, chronological numbering (CGI annex II art. 242 nonies A), refuse a file already invoiced, know what remains to be credited, and prove that each invoice was transmitted and followed by the platform as the reform requires (CGI art. 289 bis)' },
  },
};

const ORDER: readonly RetentionCategory[] = ['sourceFiles', 'issuedCopies', 'mails', 'requestContent', 'auditTrail', 'clientRecords', 'requestProof', 'register'];

/** A node-cron schedule as a reader says it: "every day at 03:30"; other shapes are not spelt out. */
export function describeSchedule(cron: string, lang: Lang): string {
  const f = cron.trim().split(/\s+/);
  const fr = lang === 'fr';
  const [m, h, dom, mon, dow] = f.length === 6 ? f.slice(1) : f;
  const num = (x: string | undefined, max: number) => (x !== undefined && /^\d{1,2}$/.test(x) && Number(x) <= max ? Number(x) : undefined);
  const minute = num(m, 59);
  const hour = num(h, 23);
  if (minute !== undefined && hour !== undefined && dom === '*' && mon === '*') {
    const at = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
    const day = num(dow, 7);
    if (dow === '*') return fr ? `chaque jour à ${at} (heure du serveur)` : `every day at ${at} (server time)`;
    if (day !== undefined) {
      const names = fr ? ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'] : ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
      return fr ? `chaque ${names[day % 7] ?? ''} à ${at} (heure du serveur)` : `every ${names[day % 7] ?? ''} at ${at} (server time)`;
    }
  }
  return fr ? 'à intervalles réguliers fixés par le studio' : 'at regular times the studio set';
}

/** The studio as the document names it, and whether each part is the configuration's or a default. */
export interface PolicyParty {
  controller?: string;
  address?: string;
  contact: string;
  privacyPolicyUrl?: string;
}

function party(config: Config): PolicyParty {
  const st = config.studio;
  return { ...(st.name ? { controller: st.name } : {}), ...(st.address ? { address: st.address } : {}), contact: studioContact(config), ...(st.privacyPolicyUrl ? { privacyPolicyUrl: st.privacyPolicyUrl } : {}) };
}

/**
 * What the document would say that the configuration left to defaults: the
 * command prints these, so the operator fills them in before publishing.
 */
export function policyWarnings(config: Config): string[] {
  const out: string[] = [];
  if (!config.studio.name) out.push('studio.name is not set: the policy names no controller ("the studio that runs this service"); set "studio": { "name": "…", "address": "…" } in the configuration');
  if (!config.studio.contact && !config.operatorAddress) out.push(`studio.contact is not set: the policy gives the bot's own address (${config.botAddress}) as the contact; set "studio": { "contact": "…" }`);
  if (!config.studio.privacyPolicyUrl) out.push('studio.privacyPolicyUrl is not set: the policy links no privacy policy; set "studio": { "privacyPolicyUrl": "https://…" }');
  const h = config.studio.hosting;
  if (h.encryptedVolume === undefined || h.serverLogs === undefined || h.backups === undefined) out.push('studio.hosting is not filled in (encryptedVolume, serverLogs, backups): the policy says nothing of the disk\'s encryption, the server\'s logs or the backups, which the software cannot see; state them there once they are true');
  return out;
}

/** What the operator commits to about the server, said only as far as the configuration states it. */
function hostingParagraphs(config: Config, lang: Lang): string[] {
  const h = config.studio.hosting;
  const fr = lang === 'fr';
  const out: string[] = [];
  const limits = fr
    ? 'Sur un système de fichiers journalisé ou à copie sur écriture, ou sur un SSD, l’écrasement ne garantit pas que d’anciens blocs disparaissent du support.'
    : 'On a journaling or copy-on-write file system, or an SSD, overwriting does not guarantee that old blocks leave the medium.';
  if (h.encryptedVolume === true) out.push(`${limits} ${fr ? 'Les données du service sont sur un volume chiffré, ce qui rend ces blocs illisibles sans la clé.' : 'The service’s data lives on an encrypted volume, which makes those blocks unreadable without the key.'}`);
  else out.push(limits);
  if (h.serverLogs) out.push(fr ? `Les journaux techniques du serveur sont conservés ${spell(h.serverLogs, 'fr')} au plus.` : `The server’s technical logs are kept for ${spell(h.serverLogs, 'en')} at most.`);
  if (h.backups) out.push(fr ? `Une sauvegarde est conservée ${spell(h.backups, 'fr')} au plus, puis remplacée : une donnée détruite disparaît des sauvegardes dans ce délai.` : `A backup is kept for ${spell(h.backups, 'en')} at most, then replaced: destroyed data leaves the backups within that time.`);
  return out;
}

function document(config: Config, lang: Lang, now: Date): PolicyDoc {
  const r = config.retention;
  const fr = lang === 'fr';
  const p = party(config);
  const rows = ORDER.map((c) => ({ ...TEXT[c][lang], duration: spell(r[c], lang) }));
  const who = p.controller ? `${p.controller}${p.address ? `, ${p.address}` : ''}` : fr ? 'le studio qui exploite ce service' : 'the studio that runs this service';
  return {
    title: fr ? 'Politique de conservation des données' : 'Data retention policy',
    intro: fr
      ? [
          `Service de facturation par courrier du studio (${config.botAddress}). Document produit le ${displayDate(now, 'fr')} à partir des réglages appliqués par le service : ce qui est écrit ici est ce que le service fait.`,
          `Responsable du traitement : ${who}. Pour toute question sur vos données ou pour exercer vos droits : ${p.contact}.${p.privacyPolicyUrl ? ` Politique de confidentialité : ${p.privacyPolicyUrl}` : ''}`,
          'Les données ne sont conservées que le temps nécessaire au service. Le studio ne fournit pas d’archivage légal pour le compte de ses clients : chaque client conserve lui-même ses factures pendant les durées que la loi lui impose.',
        ]
      : [
          `The studio’s invoicing mail service (${config.botAddress}). Document produced on ${displayDate(now, 'en')} from the settings the service enforces: what is written here is what the service does.`,
          `Controller: ${who}. For any question about your data, or to exercise your rights: ${p.contact}.${p.privacyPolicyUrl ? ` Privacy policy: ${p.privacyPolicyUrl}` : ''}`,
          'Data is kept only as long as the service needs it. The studio does not provide legal archiving on its clients’ behalf: each client keeps its own invoices for the periods the law sets for it.',
        ],
    headers: fr ? ['Données', 'Durée', 'À compter de', 'Destruction', 'Pourquoi cette durée'] : ['Data', 'Kept for', 'Counted from', 'How it is destroyed', 'Why'],
    rows,
    sections: [
      {
        title: fr ? 'Quand et comment' : 'When and how',
        paragraphs: [
          fr
            ? `Les données arrivées au terme de leur durée sont détruites ${describeSchedule(r.cron, 'fr')}. Chaque destruction est notée dans le journal du service avec le nombre d’éléments détruits par catégorie, jamais leur contenu.`
            : `Data whose time is up is destroyed ${describeSchedule(r.cron, 'en')}. Each run is noted in the service’s log with the number of items destroyed per category, never their content.`,
          fr ? 'Un fichier est écrasé, vidé sur disque, puis supprimé.' : 'A file is overwritten, flushed to disk, then deleted.',
          ...hostingParagraphs(config, lang),
        ],
      },
      {
        title: fr ? 'Ce qui est gardé plus longtemps, et pourquoi' : 'What is kept longer, and why',
        paragraphs: fr
          ? [`Le registre de numérotation (${spell(r.register, 'fr')}) survit aux copies : il ne contient que des numéros, des dates, des montants et des empreintes, et permet de prouver que la numérotation de chaque client est continue. La fiche d’un client est réduite, ${spell(r.clientRecords, 'fr')} après la fin du contrat, à l’identité à laquelle ce registre se rapporte.`]
          : [`The numbering register (${spell(r.register, 'en')}) outlives the copies: it holds only numbers, dates, amounts and fingerprints, and proves that each client’s numbering is continuous. A client’s record is reduced, ${spell(r.clientRecords, 'en')} after its contract ended, to the identity that register refers to.`],
      },
      {
        title: fr ? 'Effacement et limitation sur demande' : 'Erasure and restriction on request',
        paragraphs: fr
          ? [`Une demande d’effacement confirmée (RGPD art. 17) applique sans attendre les mêmes destructions : fichiers reçus, copies, courriers, fiche. La réponse indique ce qui reste (le registre, la preuve de la demande, le journal du service), jusqu’à quand et pourquoi, à partir des durées ci-dessus. Écrivez à ${p.contact}.`, 'Une limitation (art. 18) suspend tout traitement : les données sont seulement conservées. Tant qu’elle dure, aucune destruction ne touche les fichiers, les copies, la fiche ou les courriers du client concerné (la personne peut en avoir besoin pour faire valoir un droit, art. 18(1)(c)) ; elles reprennent dès la levée de la limitation.']
          : [`A confirmed erasure request (GDPR Art. 17) applies the same destruction at once: files received, copies, mails, the record. The answer states what stays (the register, the request’s proof, the service’s log), until when and why, from the durations above. Write to ${p.contact}.`, 'A restriction (Art. 18) stops all processing: the data is only stored. While it holds, nothing of the client’s files, copies, record or mails is destroyed (the person may need them for a claim, Art. 18(1)(c)); destruction takes them up again once the restriction is lifted.'],
      },
    ],
  };
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const cell = (s: string) => s.replaceAll('|', '\\|');
/** An https:// address in a paragraph becomes a link; everything else is text. */
const linked = (p: string) => esc(p).replace(/https:\/\/[^\s<>"]+[^\s<>".,;:)]/g, (u) => `<a href="${u}">${u}</a>`);

/** The HTML page's own style: readable on a phone and printed, no external asset. */
const STYLE = `body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;max-width:72rem;margin:0 auto;padding:2rem 1.25rem 4rem;background:#fff}
h1{font-size:1.8rem;margin:0 0 1rem}h2{font-size:1.25rem;margin:2.2rem 0 .6rem;border-bottom:1px solid #d9dee3;padding-bottom:.3rem}
p{margin:.6rem 0;max-width:48rem}a{color:#0b5cad}
.table{overflow-x:auto;margin:1.5rem 0}table{border-collapse:collapse;width:100%;font-size:.93rem}
th,td{border:1px solid #d9dee3;padding:.55rem .7rem;text-align:left;vertical-align:top}
th{background:#f2f4f6;font-weight:600}tbody tr:nth-child(even){background:#fafbfc}td:nth-child(2){white-space:nowrap;font-weight:600}
@media print{body{max-width:none;padding:0}.table{overflow:visible}}`;

/** The document's parts, for a page that lays them out its own way (the console). */
export function retentionPolicyDocument(config: Config, lang: Lang, now = new Date()): PolicyDoc {
  return document(config, lang, now);
}

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
    `<html lang="${options.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(d.title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${esc(d.title)}</h1>`,
    ...d.intro.map((p) => `<p>${linked(p)}</p>`),
    `<div class="table"><table><thead><tr>${d.headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>`,
    ...d.rows.map((r) => `<tr>${[r.what, r.duration, r.from, r.how, r.why].map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`),
    '</tbody></table></div>',
    ...d.sections.flatMap((s) => [`<h2>${esc(s.title)}</h2>`, ...s.paragraphs.map((p) => `<p>${linked(p)}</p>`)]),
    '</body></html>',
    '',
  ].join('\n');
}
