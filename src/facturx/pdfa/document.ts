/**
 * A PDF/A-3b file (ISO 19005-3, on ISO 32000-1) with one associated file:
 * the pages a Canvas drew, the fonts they used (embedded, §6.2.11), an
 * sRGB output intent for their DeviceRGB colours (§6.2.4.2), the XMP
 * metadata that declares the conformance (§6.6) and agrees with the Info
 * dictionary, and the attachment as an embedded file with its
 * relationship to the document (§6.8, the AF array).
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { xmlEscape } from '../../core/text.js';
import { Canvas, type PageGeometry } from './canvas.js';
import { DocumentFont, type FontFace } from './font.js';
import { SRGB_DESCRIPTION, srgbIccProfile } from './icc.js';
import { hexString, name, pdfDate, textString, xmpDate } from './syntax.js';
import { PdfWriter } from './writer.js';

export interface Attachment {
  name: string;
  /** MIME type, the embedded file's Subtype (PDF/A-3 §6.8). */
  mime: string;
  description: string;
  /** How the file relates to the document (PDF/A-3 §6.8, AFRelationship). */
  relationship: 'Source' | 'Data' | 'Alternative' | 'Supplement' | 'Unspecified';
  bytes: Buffer;
}

export interface DocumentInfo {
  title: string;
  creator: string;
  producer: string;
  createdAt: Date;
  /** BCP 47 language of the text (Catalog /Lang). */
  lang: string;
  /** rdf:Description elements added to the XMP packet (with their own extension schemas, which PDF/A requires). */
  xmp: string;
  attachment: Attachment;
}

export class PdfA3Document {
  private readonly writer = new PdfWriter();
  private readonly fonts: DocumentFont[];
  readonly canvas: Canvas;

  constructor(
    private readonly geometry: PageGeometry,
    faces: { regular: FontFace; bold: FontFace },
  ) {
    const regular = new DocumentFont(faces.regular, 'F1', this.writer);
    const bold = new DocumentFont(faces.bold, 'F2', this.writer);
    this.fonts = [regular, bold];
    this.canvas = new Canvas(geometry, { regular, bold });
  }

  finish(info: DocumentInfo): Buffer {
    const w = this.writer;
    for (const font of this.fonts) font.embed(w);
    const resources = w.object(`<</Font <<${this.fonts.map((f) => `/${f.resourceName} ${f.ref}`).join(' ')}>>>>`);
    const pages = w.reserve();
    const kids = this.canvas.contents().map((content) => {
      const stream = w.stream('', content);
      return w.object(`<</Type /Page /Parent ${pages} /MediaBox [0 0 ${this.geometry.width} ${this.geometry.height}] /Resources ${resources} /Contents ${stream}>>`);
    });
    w.object(`<</Type /Pages /Kids [${kids.join(' ')}] /Count ${kids.length}>>`, pages);

    const date = pdfDate(info.createdAt);
    const a = info.attachment;
    const file = w.stream(
      `/Type /EmbeddedFile /Subtype ${name(a.mime)} /Params <</Size ${a.bytes.length} /CreationDate (${date}) /ModDate (${date}) /CheckSum ${hexString(createHash('md5').update(a.bytes).digest())}>>`,
      a.bytes,
    );
    const filespec = w.object(
      `<</Type /Filespec /F ${textString(a.name)} /UF ${textString(a.name)} /Desc ${textString(a.description)} /AFRelationship /${a.relationship} /EF <</F ${file} /UF ${file}>>>>`,
    );
    const metadata = w.stream('/Type /Metadata /Subtype /XML', Buffer.from(xmpPacket(info), 'utf8'), { compress: false });
    const intent = w.object(`<</Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (${SRGB_DESCRIPTION}) /Info (${SRGB_DESCRIPTION}) /DestOutputProfile ${w.stream('/N 3', srgbProfile(), { deflated: true })}>>`);
    const root = w.object(
      `<</Type /Catalog /Pages ${pages} /Metadata ${metadata} /OutputIntents [${intent}] /AF [${filespec}] /Names <</EmbeddedFiles <</Names [${textString(a.name)} ${filespec}]>>>> /Lang ${textString(info.lang)} /ViewerPreferences <</DisplayDocTitle true>>>>`,
    );
    const infoRef = w.object(
      `<</Title ${textString(info.title)} /Creator ${textString(info.creator)} /Producer ${textString(info.producer)} /CreationDate (${date}) /ModDate (${date})>>`,
    );
    return w.finish(root, infoRef);
  }
}

/** The XMP packet: PDF/A identification, the Info dictionary's values (§6.6.2.3.1 wants them equal), and the caller's. */
function xmpPacket(info: DocumentInfo): string {
  const date = xmpDate(info.createdAt);
  return [
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>',
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreateDate>${date}</xmp:CreateDate><xmp:ModifyDate>${date}</xmp:ModifyDate><xmp:MetadataDate>${date}</xmp:MetadataDate><xmp:CreatorTool>${xmlEscape(info.creator)}</xmp:CreatorTool></rdf:Description>`,
    `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format><dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(info.title)}</rdf:li></rdf:Alt></dc:title></rdf:Description>`,
    `<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"><pdf:Producer>${xmlEscape(info.producer)}</pdf:Producer></rdf:Description>`,
    info.xmp,
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}

let srgb: Buffer | undefined;

/** The output intent's profile, written and compressed once per process. */
function srgbProfile(): Buffer {
  srgb ??= deflateSync(srgbIccProfile());
  return srgb;
}
