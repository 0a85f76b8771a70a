/** `mailbot client add|list|show|update|close`: the seller records, from flags or a JSON file. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { addClient, changeClient, closeClient, getClient } from '../../clients/service.js';
import { DEFAULT_CREDIT_NOTE_PATTERN, type ClientRecord } from '../../clients/record.js';
import { checkPlatform } from '../../platform/check.js';
import { operatorActor } from '../actor.js';
import { table } from '../table.js';
import { withStore, type GlobalOptions } from '../context.js';

interface ClientFlags {
  file?: string;
  id?: string;
  legalName?: string;
  siren?: string;
  vatId?: string;
  address?: string;
  address2?: string;
  postcode?: string;
  city?: string;
  country?: string;
  email?: string[];
  iban?: string;
  bic?: string;
  vatRegime?: string;
  vatRates?: string;
  paymentTerms?: string;
  latePenalty?: string;
  shareCapital?: string;
  rcsCity?: string;
  numberPattern?: string;
  creditNoteSeries?: string;
  creditNotePattern?: string;
  sepaCreditorId?: string;
  language?: string;
  operationType?: string;
  contactName?: string;
  phone?: string;
  electronicAddress?: string;
  electronicAddressScheme?: string;
  vatOnDebits?: string;
  json?: boolean;
}

function withClientFlags(cmd: Command): Command {
  return cmd
    .option('--file <path>', 'read the record (or the changes) from a JSON file')
    .option('--legal-name <name>', 'legal name with legal form, e.g. "Atelier Dupont SARL"')
    .option('--siren <siren>', 'SIREN (9 digits) or SIRET (14 digits)')
    .option('--vat-id <id>', 'intra-EU VAT number, e.g. FR32123456789')
    .option('--address <line>', 'street address')
    .option('--address2 <line>', 'address complement')
    .option('--postcode <code>', 'postcode')
    .option('--city <city>', 'city')
    .option('--country <code>', 'ISO country code (default FR)')
    .option('--email <address...>', 'addresses allowed to send batches')
    .option('--iban <iban>', 'IBAN for payments')
    .option('--bic <bic>', 'BIC of the bank')
    .option('--vat-regime <regime>', 'normal | franchise (art. 293 B CGI)')
    .option('--vat-rates <list>', 'allowed VAT rates, comma-separated (default 20,10,5.5,2.1,0)')
    .option('--payment-terms <days>', 'payment terms in days (default 30)')
    .option('--late-penalty <text>', 'late-payment penalty mention')
    .option('--share-capital <amount>', 'share capital in euros')
    .option('--rcs-city <city>', 'RCS registry city')
    .option('--number-pattern <pattern>', 'invoice number pattern, e.g. FA-{YYYY}-{SEQ:5}')
    .option('--credit-note-series <own|invoice>', 'credit notes in a series of their own (default) or in the invoice series')
    .option('--credit-note-pattern <pattern>', 'credit notes\' own number pattern (default AV-{YYYY}-{SEQ:5})')
    .option('--sepa-creditor-id <ics>', 'SEPA creditor identifier (BT-90), needed for invoices paid by direct debit')
    .option('--language <lang>', 'fr | en')
    .option('--operation-type <type>', 'default nature of operations: goods | services | mixed')
    .option('--contact-name <name>', 'contact person')
    .option('--phone <phone>', 'phone number')
    .option('--electronic-address <address>', 'electronic address BT-34 (default: the SIREN in the French directory, scheme 0225)')
    .option('--electronic-address-scheme <scheme>', '0225 | 0009 | 0002 | 0088 | 9957 | EM (default 0225)')
    .option('--vat-on-debits <yes|no>', 'the seller opted to pay VAT on debits');
}

/** Flags → the record's field names; only what was given. */
async function flagsToInput(flags: ClientFlags): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = flags.file ? (JSON.parse(await readFile(flags.file, 'utf8')) as Record<string, unknown>) : {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) input[key] = value;
  };
  set('id', flags.id);
  set('legalName', flags.legalName);
  set('siren', flags.siren);
  set('vatId', flags.vatId);
  set('iban', flags.iban);
  set('bic', flags.bic);
  set('vatRegime', flags.vatRegime);
  set('allowedVatRates', flags.vatRates?.split(/[;,]\s*/).filter(Boolean));
  set('paymentTermsDays', flags.paymentTerms);
  set('latePenaltyText', flags.latePenalty);
  set('shareCapital', flags.shareCapital);
  set('rcsCity', flags.rcsCity);
  set('numberPattern', flags.numberPattern);
  set('creditNoteSeries', flags.creditNoteSeries);
  set('creditNotePattern', flags.creditNotePattern);
  set('sepaCreditorId', flags.sepaCreditorId);
  set('language', flags.language);
  set('defaultOperationType', flags.operationType);
  set('contactName', flags.contactName);
  set('phone', flags.phone);
  set('emails', flags.email);
  set('vatOnDebits', flags.vatOnDebits);
  if (flags.electronicAddress !== undefined) input.electronicAddress = { value: flags.electronicAddress, scheme: flags.electronicAddressScheme ?? '0225' };
  const address: Record<string, unknown> = { ...((input.address as Record<string, unknown> | undefined) ?? {}) };
  if (flags.address !== undefined) address.line1 = flags.address;
  if (flags.address2 !== undefined) address.line2 = flags.address2;
  if (flags.postcode !== undefined) address.postcode = flags.postcode;
  if (flags.city !== undefined) address.city = flags.city;
  if (flags.country !== undefined) address.country = flags.country;
  if (Object.keys(address).length > 0) input.address = address;
  return input;
}

function show(c: ClientRecord): string {
  const rows: [string, string][] = [
    ['id', c.id],
    ['legal name', c.legalName],
    ['SIREN', c.siren + (c.siret ? ` (SIRET ${c.siret})` : '')],
    ['VAT id', c.vatId ?? '—'],
    ['address', [c.address.line1, c.address.line2, `${c.address.postcode} ${c.address.city}`, c.address.country].filter(Boolean).join(', ')],
    ['emails', c.emails.join(', ')],
    ['IBAN / BIC', `${c.iban} / ${c.bic}`],
    ['VAT regime', c.vatRegime === 'franchise' ? 'franchise en base (art. 293 B CGI)' : `normal, rates ${c.allowedVatRates.join(', ')}`],
    ['payment terms', `${c.paymentTermsDays} days`],
    ['late penalty', c.latePenaltyText],
    ['capital / RCS', `${c.shareCapital ?? '—'} / ${c.rcsCity ?? '—'}`],
    ['number pattern', c.numberPattern],
    ['credit notes', c.creditNoteSeries === 'invoice' ? 'in the invoice series' : (c.creditNotePattern ?? DEFAULT_CREDIT_NOTE_PATTERN)],
    ['SEPA creditor', c.sepaCreditorId ?? '—'],
    ['language', c.language],
  ];
  return rows.map(([k, v]) => `${k.padEnd(15)} ${v}`).join('\n');
}

export function registerClientCommands(program: Command, globals: () => GlobalOptions): void {
  const client = program.command('client').description('manage the sellers the studio invoices for');

  withClientFlags(client.command('add').description('add a client').option('--id <id>', 'short id, e.g. atelier-dupont')).action(async (flags: ClientFlags) => {
    const input = await flagsToInput(flags);
    const record = await withStore(globals(), async (store, config) => addClient(store, input, await operatorActor(store, config)), undefined, 'create');
    console.log(`client ${record.id} added`);
  });

  client
    .command('list')
    .description('list clients')
    .option('--json', 'JSON output')
    .action(async (flags: { json?: boolean }) => {
      const clients = await withStore(globals(), (store) => store.read((tx) => tx.clients.list()));
      if (flags.json) return void console.log(JSON.stringify(clients, null, 2));
      if (clients.length === 0) return void console.log('no client yet: add one with `mailbot client add`');
      console.log(table(['id', 'legal name', 'SIREN', 'VAT regime', 'emails'], clients.map((c) => [c.id, c.legalName, c.siren, c.vatRegime, c.emails.join(', ')])));
    });

  client
    .command('show <id>')
    .description('show one client')
    .option('--json', 'JSON output')
    .action(async (id: string, flags: { json?: boolean }) => {
      const c = await withStore(globals(), (store) => getClient(store, id));
      // A seller with an approved platform: whether it answers now (token and healthcheck; nothing is sent).
      const platformCheck = await checkPlatform(c);
      if (flags.json) return void console.log(JSON.stringify({ ...c, ...(platformCheck ? { platformCheck } : {}) }, null, 2));
      console.log(show(c));
      if (c.platform) console.log(`${'platform'.padEnd(15)} ${c.platform.url} (mode ${c.platform.mode}, digest ${c.platform.digest}): ${platformCheck?.message ?? ''}`);
    });

  client
    .command('close <id>')
    .description('the contract ended: no batch is issued any more; the record goes after retention.clientRecords')
    .option('--date <date>', 'the day the contract ended (YYYY-MM-DD, default today)')
    .action(async (id: string, flags: { date?: string }) => {
      const at = flags.date ? new Date(`${flags.date}T00:00:00Z`) : new Date();
      if (Number.isNaN(at.getTime()) || (flags.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(flags.date))) throw new UsageError(`--date: "${flags.date ?? ''}" is not a date YYYY-MM-DD`);
      const { after } = await import('../../retention/settings.js');
      const { closed, until } = await withStore(globals(), async (store, config) => ({ closed: await closeClient(store, id, at, await operatorActor(store, config)), until: after(at, config.retention.clientRecords) }));
      console.log(`client ${closed.id} closed on ${at.toISOString().slice(0, 10)}; its record is reduced to the register's identity after ${until.toISOString().slice(0, 10)}`);
    });

  withClientFlags(client.command('update <id>').description('change fields of a client')).action(async (id: string, flags: ClientFlags) => {
    const patch = await flagsToInput(flags);
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one field flag or --file');
    const { after } = await withStore(globals(), async (store, config) => changeClient(store, id, patch, await operatorActor(store, config)));
    console.log(`client ${after.id} updated`);
  });
}
