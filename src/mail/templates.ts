/**
 * Reply texts live in templates/<lang>/<name>.txt.hbs and .html.hbs, plus a
 * subjects.json per language, so the studio can edit the wording without
 * touching code. Handlebars escapes everything in the HTML version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { MailbotError } from '../core/errors.js';
import type { Lang } from './language.js';

export const TEMPLATES_DIR = join(import.meta.dirname, '..', '..', 'templates');

export interface RenderedText {
  subject: string;
  text: string;
  html: string;
}

type Compiled = { subject: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate; html: Handlebars.TemplateDelegate };

export class Templates {
  private readonly cache = new Map<string, Compiled>();
  private readonly subjects = new Map<Lang, Record<string, string>>();
  private readonly hb = Handlebars.create();

  constructor(private readonly dir = TEMPLATES_DIR) {
    this.hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  }

  render(name: string, lang: Lang, data: Record<string, unknown>): RenderedText {
    const compiled = this.load(name, lang);
    return { subject: compiled.subject(data), text: compiled.text(data), html: compiled.html(data) };
  }

  private load(name: string, lang: Lang): Compiled {
    const key = `${lang}/${name}`;
    let compiled = this.cache.get(key);
    if (!compiled) {
      const read = (ext: string) => {
        const path = join(this.dir, lang, `${name}.${ext}.hbs`);
        if (!existsSync(path)) throw new MailbotError('TEMPLATE_MISSING', `template missing: ${path}`);
        return readFileSync(path, 'utf8');
      };
      const subject = this.subjectsFor(lang)[name];
      if (!subject) throw new MailbotError('TEMPLATE_MISSING', `no subject for template ${lang}/${name} in subjects.json`);
      // Compiled once, as the bodies are: a reply's subject used to be compiled for every reply.
      compiled = { subject: this.hb.compile(subject, { noEscape: true }), text: this.hb.compile(read('txt'), { noEscape: true, strict: false }), html: this.hb.compile(read('html')) };
      this.cache.set(key, compiled);
    }
    return compiled;
  }

  private subjectsFor(lang: Lang): Record<string, string> {
    let s = this.subjects.get(lang);
    if (!s) {
      s = JSON.parse(readFileSync(join(this.dir, lang, 'subjects.json'), 'utf8')) as Record<string, string>;
      this.subjects.set(lang, s);
    }
    return s;
  }
}
