/**
 * The console's pages: Handlebars templates in templates/console, beside
 * the mail templates, rendered on the server. `{{…}}` escapes everything:
 * a subject, a name, a file name from mail is text, never markup; no
 * template uses the unescaped form. Pages carry no script at all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Handlebars from 'handlebars';
import { shortRef } from '../audit/query.js';
import { TEMPLATES_DIR } from '../mail/templates.js';
import { STRINGS, type ConsoleLang } from './i18n.js';

export const CONSOLE_TEMPLATES = join(TEMPLATES_DIR, 'console');

export interface PageFrame {
  lang: ConsoleLang;
  /** The path without its query: the language switch keeps the page. */
  path: string;
  query: string;
  csrf: string;
  flash?: { ok: boolean; text: string };
  active: string;
}

export class ConsoleViews {
  private readonly hb = Handlebars.create();
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor(dir = CONSOLE_TEMPLATES) {
    this.hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hb.registerHelper('short', (v: unknown) => (typeof v === 'string' ? shortRef(v, 28) : v));
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.hbs')) continue;
      const name = f.slice(0, -4);
      const compiled = this.hb.compile(readFileSync(join(dir, f), 'utf8'), { strict: false });
      if (name.startsWith('_')) this.hb.registerPartial(name.slice(1), compiled);
      else this.pages.set(name, compiled);
    }
    const layout = this.pages.get('layout');
    if (!layout) throw new Error(`no layout.hbs in ${dir}`);
    this.layout = layout;
  }

  render(page: string, frame: PageFrame, data: Record<string, unknown>): string {
    const body = this.pages.get(page);
    if (!body) throw new Error(`no console template ${page}.hbs`);
    const context = this.context(frame, data);
    return this.layout({ ...context, body: new Handlebars.SafeString(body(context)) });
  }

  /**
   * A page whose content takes a while (it reads the whole history): the
   * frame (head, navigation) leaves at once, the content when `data`
   * resolves; a failure is said in the page, where the content would be.
   */
  stream(page: string, frame: PageFrame, data: () => Promise<Record<string, unknown>>): Readable {
    const body = this.pages.get(page);
    if (!body) throw new Error(`no console template ${page}.hbs`);
    const mark = '\u0000content\u0000';
    const [head = '', tail = ''] = this.layout({ ...this.context(frame, {}), body: new Handlebars.SafeString(mark) }).split(mark);
    const context = (d: Record<string, unknown>) => this.context(frame, d);
    return Readable.from(
      (async function* () {
        yield head;
        try {
          yield body(context(await data()));
        } catch (err) {
          yield `<p class="flash refused">${Handlebars.escapeExpression(err instanceof Error ? err.message : String(err))}</p>`;
        }
        yield tail;
      })(),
    );
  }

  private context(frame: PageFrame, data: Record<string, unknown>): Record<string, unknown> {
    return { ...data, t: STRINGS[frame.lang], frame, other: frame.lang === 'fr' ? 'en' : 'fr' };
  }
}
