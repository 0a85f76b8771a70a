/**
 * Pages drawn as content streams (ISO 32000-1 §8, §9): texts in cells,
 * filled and stroked rectangles, rules. Coordinates are given from the
 * page's top-left corner, in points, as the layout thinks of them, and
 * written in PDF's own (origin at the bottom-left).
 *
 * A text is placed as a cell: its first line's top at `y`, its baseline one
 * ascent lower, each line one line height below the last; lines too wide
 * for the cell wrap between words (a word wider than the cell is cut
 * between characters); a line after the first that would pass the page's
 * bottom goes on a new page. The cursor `y` is left under the last line.
 */
import { forEachPiece, type DocumentFont } from './font.js';
import { num } from './syntax.js';

export type Align = 'left' | 'right';

export interface PageGeometry {
  width: number;
  height: number;
  /** Where text continued on a new page starts. */
  top: number;
  /** No line of text goes below this. */
  bottom: number;
}

export interface TextOptions {
  /** The first line only, unwrapped, cut to the cell's width with an ellipsis when too wide. */
  oneLine?: boolean;
}

/** A text laid out for a cell: its lines, and the font and size they were measured in. */
export interface TextBlock {
  lines: readonly string[];
  height: number;
  font: DocumentFont;
  size: number;
}

interface Page {
  ops: string[];
  /** What the content stream last set, so that nothing is set twice. */
  font?: string;
  fill?: string;
  stroke?: string;
  lineWidth?: number;
}

const ELLIPSIS = '…';

export class Canvas {
  private readonly pages: Page[] = [];
  private page!: Page;
  private current: DocumentFont;
  private size = 10;
  private color = '0 0 0';
  /** Under the last line of the last text drawn. */
  y = 0;

  constructor(
    private readonly geometry: PageGeometry,
    private readonly fonts: { regular: DocumentFont; bold: DocumentFont },
  ) {
    this.current = fonts.regular;
    this.addPage();
  }

  addPage(): void {
    this.page = { ops: [] };
    this.pages.push(this.page);
  }

  get pageCount(): number {
    return this.pages.length;
  }

  /** Draws on page `index` (from 0) from now on. */
  switchToPage(index: number): void {
    const page = this.pages[index];
    if (!page) throw new RangeError(`no page ${index + 1} of ${this.pages.length}`);
    this.page = page;
  }

  font(bold: boolean, size: number): this {
    this.current = bold ? this.fonts.bold : this.fonts.regular;
    this.size = size;
    return this;
  }

  fillColor(color: string): this {
    this.color = rgb(color);
    return this;
  }

  /** The height of one line in the current font. */
  lineHeight(): number {
    return this.current.face.lineHeight(this.size);
  }

  private widthOf(text: string): number {
    return this.current.face.widthOf(text, this.size);
  }

  /** The height `text` takes in a cell of `width`. */
  heightOf(text: string, width: number): number {
    return this.layout(text, width).height;
  }

  /** `text` laid out for a cell of `width` in the current font and size, to measure before it is drawn (drawBlock). */
  layout(text: string, width: number, options: TextOptions = {}): TextBlock {
    const lines = text === '' ? [] : options.oneLine ? [this.cut(text.split('\n', 1)[0] ?? '', width)] : this.lines(text, width);
    return { lines, height: lines.length * this.lineHeight(), font: this.current, size: this.size };
  }

  text(text: string, x: number, y: number, width: number, align: Align = 'left', options: TextOptions = {}): this {
    return this.drawBlock(this.layout(text, width, options), x, y, width, align);
  }

  /** Draws a laid-out text, in the font and size it was laid out in, with the current colour. */
  drawBlock(block: TextBlock, x: number, y: number, width: number, align: Align = 'left'): this {
    const { font, size } = block;
    const lineHeight = font.face.lineHeight(size);
    let top = y;
    for (const line of block.lines) {
      // A text the layout began above the bottom carries on at the top of a new page.
      if (top > y && top + lineHeight > this.geometry.bottom) {
        this.addPage();
        top = this.geometry.top;
      }
      const drawn = line.trimEnd();
      if (drawn !== '') {
        const left = align === 'right' ? x + width - font.face.widthOf(drawn, size) : x;
        this.setFill(this.color);
        const baseline = this.geometry.height - top - (font.face.ascent * size) / 1000;
        const key = `${font.resourceName} ${num(size)}`;
        const tf = this.page.font === key ? '' : `/${key} Tf `;
        this.page.font = key;
        this.page.ops.push(`BT ${tf}${num(left)} ${num(baseline)} Td [${font.encode(drawn)}] TJ ET`);
      }
      top += lineHeight;
    }
    this.y = top;
    return this;
  }

  fillRect(x: number, y: number, w: number, h: number, color: string): this {
    this.setFill(rgb(color));
    this.page.ops.push(`${num(x)} ${num(this.geometry.height - y - h)} ${num(w)} ${num(h)} re f`);
    return this;
  }

  strokeRect(x: number, y: number, w: number, h: number, lineWidth: number, color: string): this {
    this.setStroke(rgb(color), lineWidth);
    this.page.ops.push(`${num(x)} ${num(this.geometry.height - y - h)} ${num(w)} ${num(h)} re S`);
    return this;
  }

  /** A horizontal rule from x1 to x2 at y. */
  rule(x1: number, x2: number, y: number, lineWidth: number, color: string): this {
    this.setStroke(rgb(color), lineWidth);
    const py = num(this.geometry.height - y);
    this.page.ops.push(`${num(x1)} ${py} m ${num(x2)} ${py} l S`);
    return this;
  }

  /** Each page's content stream. */
  contents(): string[] {
    return this.pages.map((p) => p.ops.join('\n'));
  }

  /** The lines `text` is drawn on in a cell of `width`. */
  private lines(text: string, width: number): string[] {
    const out: string[] = [];
    const size = this.size;
    const face = this.current.face;
    for (const hard of text.split('\n')) {
      if (face.widthOf(hard, size) <= width) {
        out.push(hard);
        continue;
      }
      let line = '';
      let lineWidth = 0;
      forEachPiece(hard, (piece) => {
        const shaped = face.shape(piece);
        const ink = (shaped.inkWidth * size) / 1000;
        if (line !== '' && lineWidth + ink > width) {
          out.push(line);
          line = '';
          lineWidth = 0;
        }
        if (line === '' && ink > width) {
          // A word wider than the cell: as many characters as fit on each line.
          for (const ch of piece) {
            const w = face.widthOf(ch, size);
            if (line !== '' && lineWidth + w > width && ch !== ' ' && ch !== '\t') {
              out.push(line);
              line = '';
              lineWidth = 0;
            }
            line += ch;
            lineWidth += w;
          }
          return;
        }
        line += piece;
        lineWidth += (shaped.width * size) / 1000;
      });
      out.push(line);
    }
    return out;
  }

  /** `line` cut to `width`, an ellipsis at its end when it was cut; each character measured once. */
  private cut(line: string, width: number): string {
    if (this.widthOf(line) <= width) return line;
    const room = width - this.widthOf(ELLIPSIS);
    let kept = '';
    let used = 0;
    for (const ch of line) {
      used += this.widthOf(ch);
      if (used > room) break;
      kept += ch;
    }
    return kept.trimEnd() + ELLIPSIS;
  }

  private setFill(color: string): void {
    if (this.page.fill === color) return;
    this.page.fill = color;
    this.page.ops.push(`${color} rg`);
  }

  private setStroke(color: string, lineWidth: number): void {
    if (this.page.stroke !== color) {
      this.page.stroke = color;
      this.page.ops.push(`${color} RG`);
    }
    if (this.page.lineWidth !== lineWidth) {
      this.page.lineWidth = lineWidth;
      this.page.ops.push(`${num(lineWidth)} w`);
    }
  }
}

const colors = new Map<string, string>([['black', '0 0 0']]);

/** "#rrggbb" (or "black") as DeviceRGB components for rg and RG. */
function rgb(color: string): string {
  let c = colors.get(color);
  if (c === undefined) {
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
    if (!m) throw new Error(`unknown colour ${color}`);
    c = [m[1], m[2], m[3]].map((h) => num(parseInt(h ?? '0', 16) / 255)).join(' ');
    colors.set(color, c);
  }
  return c;
}
