/**
 * An sRGB ICC profile (IEC 61966-2.1), written from the colour space's
 * published definition: the PDF/A output intent (ISO 19005-2 §6.2.3) the
 * page's DeviceRGB colours are read against. A version 2.1 display
 * profile (ICC.1:2001-04), matrix/TRC form: the D50-adapted primaries
 * (rXYZ, gXYZ, bXYZ), the D50 white point, and the sRGB transfer curve
 * sampled at 1,024 points, shared by the three channels.
 */

/** s15Fixed16Number (ICC.1 §5.3.6). */
const fixed = (v: number) => Math.round(v * 65536);

const D50 = [0.9642, 1.0, 0.8249];
// The sRGB primaries adapted to D50 by the Bradford transform, as ICC's published sRGB profiles state them.
const RED = [0.4361, 0.2225, 0.0139];
const GREEN = [0.3851, 0.7169, 0.0971];
const BLUE = [0.1431, 0.0606, 0.7141];

export const SRGB_DESCRIPTION = 'sRGB IEC61966-2.1';

function xyzType(v: number[]): Buffer {
  const b = Buffer.alloc(20);
  b.write('XYZ ', 0, 'latin1');
  v.forEach((c, i) => b.writeInt32BE(fixed(c), 8 + 4 * i));
  return b;
}

/** textDescriptionType (ICC.1:2001-04 §6.5.16): ASCII, with empty Unicode and ScriptCode parts. */
function descType(text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, 'latin1');
  const b = Buffer.alloc(12 + ascii.length + 4 + 4 + 2 + 1 + 67);
  b.write('desc', 0, 'latin1');
  b.writeUInt32BE(ascii.length, 8);
  ascii.copy(b, 12);
  return b;
}

function textType(text: string): Buffer {
  return Buffer.concat([Buffer.from('text\0\0\0\0', 'latin1'), Buffer.from(`${text}\0`, 'latin1')]);
}

/** The sRGB transfer function (IEC 61966-2.1 §5.2), linear near black, sampled (curveType, §6.5.3). */
function srgbCurve(points = 1024): Buffer {
  const b = Buffer.alloc(12 + 2 * points);
  b.write('curv', 0, 'latin1');
  b.writeUInt32BE(points, 8);
  for (let i = 0; i < points; i++) {
    const x = i / (points - 1);
    const y = x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    b.writeUInt16BE(Math.round(y * 65535), 12 + 2 * i);
  }
  return b;
}

const pad4 = (n: number) => (n + 3) & ~3;

export function srgbIccProfile(): Buffer {
  const curve = srgbCurve();
  const elements: [string, Buffer][] = [
    ['desc', descType(SRGB_DESCRIPTION)],
    ['cprt', textType('No copyright, use freely')],
    ['wtpt', xyzType(D50)],
    ['rXYZ', xyzType(RED)],
    ['gXYZ', xyzType(GREEN)],
    ['bXYZ', xyzType(BLUE)],
    ['rTRC', curve],
  ];
  // gTRC and bTRC point at rTRC's data.
  const tags: [string, string][] = [...elements.map(([sig]) => [sig, sig] as [string, string]), ['gTRC', 'rTRC'], ['bTRC', 'rTRC']];
  const tableEnd = 128 + 4 + 12 * tags.length;
  const offsets = new Map<string, number>();
  let at = pad4(tableEnd);
  for (const [sig, data] of elements) {
    offsets.set(sig, at);
    at = pad4(at + data.length);
  }
  const out = Buffer.alloc(at);
  // Header (ICC.1 §6.1).
  out.writeUInt32BE(at, 0);
  out.writeUInt32BE(0x02100000, 8); // version 2.1
  out.write('mntrRGB XYZ ', 12, 'latin1'); // display device, RGB data, XYZ connection space
  [2026, 1, 1, 0, 0, 0].forEach((v, i) => out.writeUInt16BE(v, 24 + 2 * i));
  out.write('acsp', 36, 'latin1');
  D50.forEach((c, i) => out.writeInt32BE(fixed(c), 68 + 4 * i)); // the PCS illuminant
  out.writeUInt32BE(tags.length, 128);
  tags.forEach(([sig, dataOf], i) => {
    const data = elements.find(([s]) => s === dataOf)?.[1] ?? Buffer.alloc(0);
    out.write(sig, 132 + 12 * i, 'latin1');
    out.writeUInt32BE(offsets.get(dataOf) ?? 0, 136 + 12 * i);
    out.writeUInt32BE(data.length, 140 + 12 * i);
  });
  for (const [sig, data] of elements) data.copy(out, offsets.get(sig) ?? 0);
  return out;
}
