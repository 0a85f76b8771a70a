/** ISO 3166-1 alpha-2 country codes (EN 16931 BR-CL-14), and the names that stand for them. */
import { foldKey } from './text.js';

/** ISO 3166-1 alpha-2 codes and the country names ICU knows in French and English. */
export const COUNTRY_BY_NAME = buildCountryIndex();
function buildCountryIndex(): Map<string, string> {
  const fr = new Intl.DisplayNames(['fr'], { type: 'region', fallback: 'none' });
  const en = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  // ICU also names codes that are not ISO 3166-1 alpha-2 (EN 16931 BR-CL-14): reserved, withdrawn or groupings.
  const notCountries = new Set('AC AN BU CP CQ CS DD DG DY EA EU EZ FX HV IC NH QO RH SU TA TP UK UN VD XA XB XK YD YU ZR ZZ'.split(' '));
  const index = new Map<string, string>();
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (notCountries.has(code)) continue;
      const nameFr = fr.of(code);
      if (!nameFr) continue;
      index.set(foldKey(code), code);
      for (const name of [nameFr, en.of(code)]) if (name && !index.has(foldKey(name))) index.set(foldKey(name), code);
    }
  }
  for (const [alias, code] of [['angleterre', 'GB'], ['uk', 'GB'], ['usa', 'US'], ['etatsunis', 'US'], ['hollande', 'NL'], ['allemagne', 'DE'], ['el', 'GR']] as const) {
    index.set(alias, code);
  }
  return index;
}

const CODES = new Set(COUNTRY_BY_NAME.values());

/** Whether `code` is an ISO 3166-1 alpha-2 code (upper case). */
export function isCountryCode(code: string): boolean {
  return CODES.has(code);
}
