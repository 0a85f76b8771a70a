/**
 * The columns of the invoice CSV contract (spec v1) and their aliases.
 * Headers match case-, accent-, space-, "_"/"-"-insensitively: both the
 * header and the aliases go through `foldKey` before comparison.
 */
import { foldKey } from '../core/text.js';

/** Where a column's value belongs: each line, or the invoice (stated once, may repeat). */
export type ColumnScope = 'line' | 'invoice';

export interface ColumnDef {
  key: ColumnKey;
  aliases: readonly string[];
  scope: ColumnScope;
  /** EN 16931 business term, for the reader of the code and the docs. */
  bt?: string;
}

export const COLUMN_KEYS = [
  'invoice_ref',
  'issue_date',
  'due_date',
  'service_date',
  'period_start',
  'period_end',
  'operation_type',
  'buyer_name',
  'buyer_siren',
  'buyer_vat_id',
  'buyer_address',
  'buyer_address2',
  'buyer_postcode',
  'buyer_city',
  'buyer_country',
  'buyer_email',
  'buyer_electronic_address',
  'buyer_electronic_address_scheme',
  'delivery_name',
  'delivery_address',
  'delivery_address2',
  'delivery_postcode',
  'delivery_city',
  'delivery_country',
  'buyer_reference',
  'purchase_order',
  'description',
  'quantity',
  'unit',
  'unit_price',
  'vat_rate',
  'vat_category',
  'vat_exemption_reason',
  'line_period_start',
  'line_period_end',
  'discount',
  'discount_reason',
  'discount_vat_rate',
  'charge',
  'charge_reason',
  'charge_vat_rate',
  'line_discount',
  'line_charge',
  'item_id',
  'gtin',
  'line_note',
  'order_line_ref',
  'buyer_accounting_ref',
  'currency',
  'exchange_rate',
  'document_type',
  'preceding_invoice',
  'preceding_invoice_date',
  'prepaid_amount',
  'payment_means',
  'mandate_reference',
  'debited_account',
  'note',
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

export const COLUMNS: readonly ColumnDef[] = [
  { key: 'invoice_ref', aliases: ['ref', 'reference', 'ref_facture', 'reference_facture', 'invoice_reference'], scope: 'invoice' },
  { key: 'issue_date', aliases: ['date', 'date_facture', 'date_emission', 'invoice_date'], scope: 'invoice', bt: 'BT-2' },
  { key: 'due_date', aliases: ['echeance', 'date_echeance', 'payment_due_date'], scope: 'invoice', bt: 'BT-9' },
  { key: 'service_date', aliases: ['date_prestation', 'date_livraison', 'delivery_date'], scope: 'invoice', bt: 'BT-72' },
  { key: 'period_start', aliases: ['periode_debut', 'du', 'debut_periode', 'invoice_period_start', 'billing_period_start'], scope: 'invoice', bt: 'BT-73' },
  { key: 'period_end', aliases: ['periode_fin', 'au', 'fin_periode', 'invoice_period_end', 'billing_period_end'], scope: 'invoice', bt: 'BT-74' },
  { key: 'operation_type', aliases: ['nature', 'nature_operation', 'type_operation'], scope: 'invoice' },
  { key: 'buyer_name', aliases: ['client', 'nom_client', 'raison_sociale', 'acheteur', 'customer', 'customer_name'], scope: 'invoice', bt: 'BT-44' },
  { key: 'buyer_siren', aliases: ['siren', 'siret', 'siren_client', 'siret_client'], scope: 'invoice', bt: 'BT-47' },
  { key: 'buyer_vat_id', aliases: ['tva_intracom', 'numero_tva', 'tva_intracommunautaire', 'vat_id', 'vat_number'], scope: 'invoice', bt: 'BT-48' },
  { key: 'buyer_address', aliases: ['adresse', 'adresse_client', 'address'], scope: 'invoice', bt: 'BT-50' },
  { key: 'buyer_address2', aliases: ['complement_adresse', 'adresse2', 'address2'], scope: 'invoice', bt: 'BT-51' },
  { key: 'buyer_postcode', aliases: ['code_postal', 'cp', 'postcode', 'zip', 'postal_code'], scope: 'invoice', bt: 'BT-53' },
  { key: 'buyer_city', aliases: ['ville', 'city'], scope: 'invoice', bt: 'BT-52' },
  { key: 'buyer_country', aliases: ['pays', 'country'], scope: 'invoice', bt: 'BT-55' },
  { key: 'buyer_email', aliases: ['email', 'courriel', 'e_mail', 'mail'], scope: 'invoice', bt: 'BT-58' },
  {
    key: 'buyer_electronic_address',
    aliases: ['adresse_electronique', 'adresse_facturation_electronique', 'adresse_de_facturation_electronique', 'adresse_electronique_acheteur', 'adresse_electronique_client', 'electronic_address', 'buyer_endpoint_id'],
    scope: 'invoice',
    bt: 'BT-49',
  },
  { key: 'buyer_electronic_address_scheme', aliases: ['schema_adresse_electronique', 'type_adresse_electronique', 'electronic_address_scheme', 'buyer_endpoint_scheme'], scope: 'invoice', bt: 'BT-49-1' },
  { key: 'delivery_name', aliases: ['nom_livraison', 'livre_a', 'destinataire_livraison', 'deliver_to_name', 'ship_to_name'], scope: 'invoice', bt: 'BT-70' },
  { key: 'delivery_address', aliases: ['adresse_livraison', 'adresse_de_livraison', 'deliver_to_address', 'ship_to_address'], scope: 'invoice', bt: 'BT-75' },
  { key: 'delivery_address2', aliases: ['complement_adresse_livraison', 'adresse2_livraison', 'deliver_to_address2', 'ship_to_address2'], scope: 'invoice', bt: 'BT-76' },
  { key: 'delivery_postcode', aliases: ['code_postal_livraison', 'cp_livraison', 'deliver_to_postcode', 'ship_to_postcode'], scope: 'invoice', bt: 'BT-78' },
  { key: 'delivery_city', aliases: ['ville_livraison', 'deliver_to_city', 'ship_to_city'], scope: 'invoice', bt: 'BT-77' },
  { key: 'delivery_country', aliases: ['pays_livraison', 'deliver_to_country', 'ship_to_country'], scope: 'invoice', bt: 'BT-80' },
  { key: 'buyer_reference', aliases: ['reference_acheteur', 'reference_client'], scope: 'invoice', bt: 'BT-10' },
  { key: 'purchase_order', aliases: ['bon_de_commande', 'commande', 'numero_commande', 'po_number'], scope: 'invoice', bt: 'BT-13' },
  { key: 'description', aliases: ['designation', 'libelle', 'article', 'produit', 'item'], scope: 'line', bt: 'BT-153' },
  { key: 'quantity', aliases: ['quantite', 'qte', 'qty'], scope: 'line', bt: 'BT-129' },
  { key: 'unit', aliases: ['unite', 'unit_code'], scope: 'line', bt: 'BT-130' },
  { key: 'unit_price', aliases: ['prix_unitaire', 'prix_unitaire_ht', 'pu_ht', 'pu', 'price', 'unit_price_excl_vat'], scope: 'line', bt: 'BT-146' },
  { key: 'vat_rate', aliases: ['taux_tva', 'tva', 'taux', 'vat', 'tax_rate', 'tva_pourcent'], scope: 'line', bt: 'BT-152' },
  { key: 'vat_category', aliases: ['categorie_tva', 'vat_category_code'], scope: 'line', bt: 'BT-151' },
  { key: 'vat_exemption_reason', aliases: ['motif_exoneration', 'exemption_reason'], scope: 'line', bt: 'BT-120' },
  { key: 'line_period_start', aliases: ['periode_ligne_debut', 'line_start_date'], scope: 'line', bt: 'BT-134' },
  { key: 'line_period_end', aliases: ['periode_ligne_fin', 'line_end_date'], scope: 'line', bt: 'BT-135' },
  // Allowances and charges (BG-20, BG-21 on the invoice; BG-27, BG-28 on a line): an amount excl. VAT or a percentage.
  { key: 'discount', aliases: ['remise', 'remise_globale', 'rabais', 'ristourne', 'document_discount', 'allowance'], scope: 'invoice', bt: 'BG-20' },
  { key: 'discount_reason', aliases: ['motif_remise', 'allowance_reason'], scope: 'invoice', bt: 'BT-97' },
  { key: 'discount_vat_rate', aliases: ['taux_tva_remise', 'allowance_vat_rate'], scope: 'invoice', bt: 'BT-96' },
  { key: 'charge', aliases: ['frais', 'frais_de_port', 'frais_de_livraison', 'port', 'shipping', 'shipping_cost', 'document_charge'], scope: 'invoice', bt: 'BG-21' },
  { key: 'charge_reason', aliases: ['motif_frais'], scope: 'invoice', bt: 'BT-104' },
  { key: 'charge_vat_rate', aliases: ['taux_tva_frais'], scope: 'invoice', bt: 'BT-103' },
  { key: 'line_discount', aliases: ['remise_ligne', 'remise_sur_ligne', 'line_allowance'], scope: 'line', bt: 'BG-27' },
  { key: 'line_charge', aliases: ['frais_ligne'], scope: 'line', bt: 'BG-28' },
  { key: 'item_id', aliases: ['reference_article', 'code_article', 'sku'], scope: 'line', bt: 'BT-155' },
  { key: 'gtin', aliases: ['ean', 'code_ean', 'code_barre', 'ean13'], scope: 'line', bt: 'BT-157' },
  { key: 'line_note', aliases: ['note_ligne', 'commentaire_ligne'], scope: 'line', bt: 'BT-127' },
  { key: 'order_line_ref', aliases: ['ligne_commande', 'numero_ligne_commande'], scope: 'line', bt: 'BT-132' },
  { key: 'buyer_accounting_ref', aliases: ['compte_comptable', 'reference_comptable'], scope: 'invoice', bt: 'BT-19' },
  { key: 'currency', aliases: ['devise', 'monnaie'], scope: 'invoice', bt: 'BT-5' },
  // BT-111 comes from it when BT-5 is not EUR: EUR per one unit of the invoice currency.
  { key: 'exchange_rate', aliases: ['taux_de_change', 'taux_change', 'fx_rate'], scope: 'invoice', bt: 'BT-111' },
  // Contract v2, "Documents": the kind of document and what it refers to (documents.ts).
  { key: 'document_type', aliases: ['type_document', 'type_de_document', 'type_piece', 'document_type_code', 'invoice_type_code', 'type_facture'], scope: 'invoice', bt: 'BT-3' },
  { key: 'preceding_invoice', aliases: ['facture_origine', 'facture_d_origine', 'ref_facture_origine', 'facture_annulee', 'invoice_reference_original', 'preceding_invoice_reference', 'original_invoice'], scope: 'invoice', bt: 'BT-25' },
  { key: 'preceding_invoice_date', aliases: ['date_facture_origine', 'original_invoice_date', 'preceding_invoice_issue_date'], scope: 'invoice', bt: 'BT-26' },
  { key: 'prepaid_amount', aliases: ['acompte_verse', 'deja_paye', 'montant_deja_paye', 'paid_amount', 'prepaid'], scope: 'invoice', bt: 'BT-113' },
  // Contract v2, "Payment and items": BG-16.
  { key: 'payment_means', aliases: ['mode_paiement', 'moyen_de_paiement', 'mode_de_reglement', 'reglement', 'payment_method', 'payment_means_code'], scope: 'invoice', bt: 'BT-81' },
  { key: 'mandate_reference', aliases: ['reference_mandat', 'rum', 'mandate_id'], scope: 'invoice', bt: 'BT-89' },
  { key: 'debited_account', aliases: ['iban_debiteur', 'compte_debite', 'debtor_iban'], scope: 'invoice', bt: 'BT-91' },
  { key: 'note', aliases: ['commentaire', 'mention', 'remarque_facture'], scope: 'invoice', bt: 'BT-22' },
];

/** Little words a French (or English) header may hold or leave out: "Date d'échéance", "Taux de TVA", "N° de commande". */
const FILLER = new Set(['d', 'de', 'du', 'des', 'l', 'la', 'le', 'les', 'a', 'au', 'aux', 'en', 'n', 'no', 'of', 'the']);

/** A header's words, folded (foldKey): "Frais de port (€)" → frais, de, port. */
export function headerWords(header: string): string[] {
  return header.replace(/['’]/g, ' ').split(/[\s_\-./()°:#]+/).map(foldKey).filter(Boolean);
}

/** A header or an alias as compared: folded word by word, without the filler words (unless nothing else is left). */
export function headerKey(header: string): string {
  const words = headerWords(header);
  const kept = words.filter((w) => !FILLER.has(w));
  return (kept.length > 0 ? kept : words).join('');
}

const BY_FOLDED = new Map<string, ColumnDef>();
for (const col of COLUMNS) {
  for (const name of [col.key, ...col.aliases]) {
    const key = headerKey(name);
    const other = BY_FOLDED.get(key);
    if (other && other !== col) throw new Error(`header "${name}" would match both ${other.key} and ${col.key}`);
    BY_FOLDED.set(key, col);
  }
}

export function columnForHeader(header: string): ColumnDef | undefined {
  return BY_FOLDED.get(headerKey(header));
}

/** Columns every file must have; vat_rate too unless the seller is under franchise en base. */
export const REQUIRED_COLUMNS: readonly ColumnKey[] = [
  'invoice_ref',
  'buyer_name',
  'buyer_address',
  'buyer_postcode',
  'buyer_city',
  'description',
  'quantity',
  'unit_price',
];
