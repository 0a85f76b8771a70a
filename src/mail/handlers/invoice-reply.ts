/**
 * What a batch reply carries, so that it always arrives: the PDFs and the
 * report attached as they are when they are few; one ZIP beyond
 * `replies.zipAboveCount` files or `zipAboveBytes`; beyond
 * `replies.maxMessageBytes` (mail servers refuse 25–35 MB), several mails
 * numbered 1/N, each with its own ZIP, the report in the first. ZIPs are
 * written to disk as they are made and attachments streamed from their
 * files: a 10,000-invoice batch is never held in memory.
 */
import { stat } from 'node:fs/promises';
import type { PreparedBatch } from '../../batch/run.js';
import { zipStream } from '../../core/zip.js';
import type { Staging, Store } from '../../store/port.js';
import type { ReplyAttachment } from '../compose.js';

export interface ReplyLimits {
  zipAboveCount: number;
  zipAboveBytes: number;
  maxMessageBytes: number;
}

interface LocalFile {
  filename: string;
  path: string;
  size: number;
  contentType: string;
}

/** A part of the reply: its attachments. */
export type ReplyPart = ReplyAttachment[];

/** Base64 and MIME line breaks make an attachment about 37 % bigger in the mail. */
const encoded = (bytes: number) => Math.ceil(bytes * 1.37) + 2048;
/** Room kept in each mail for the headers and the text. */
const TEXT_ROOM = 512 * 1024;

/** The batch files as local files: from the staging of a new batch, from the store for an earlier one. */
async function localFiles(store: Store, prepared: readonly PreparedBatch[], scratch: Staging): Promise<{ pdfs: LocalFile[]; reports: LocalFile[] }> {
  const pdfs: LocalFile[] = [];
  const reports: LocalFile[] = [];
  for (const p of prepared) {
    const names = p.result.files;
    if (!names) continue;
    const local = async (name: string): Promise<string> => {
      if (p.staging) return p.staging.path(name);
      const onDisk = store.files.localPath(name);
      if (onDisk) return onDisk;
      await scratch.write(name, await store.files.read(name)); // a shared store: copied out, one file at a time
      return scratch.path(name);
    };
    for (const name of names.pdfs) {
      const path = await local(name);
      pdfs.push({ filename: name.split('/').pop() ?? 'facture.pdf', path, size: (await stat(path)).size, contentType: 'application/pdf' });
    }
    const reportName = names.report.split('/').pop() ?? 'report.csv';
    const path = await local(names.report);
    reports.push({ filename: prepared.length > 1 ? `${p.result.fileName.replace(/\.[^.]+$/, '')}-${reportName}` : reportName, path, size: (await stat(path)).size, contentType: 'text/csv; charset=utf-8' });
  }
  return { pdfs, reports };
}

/** Split the PDFs so that each part, once encoded, fits in a mail beside the text. */
function split(pdfs: readonly LocalFile[], first: readonly LocalFile[], max: number): LocalFile[][] {
  const room = Math.max(1, max - TEXT_ROOM);
  const parts: LocalFile[][] = [[...first]];
  let used = first.reduce((n, f) => n + encoded(f.size), 0);
  for (const pdf of pdfs) {
    const current = parts[parts.length - 1] ?? [];
    if (current.length > 0 && used + encoded(pdf.size) > room) {
      parts.push([pdf]);
      used = encoded(pdf.size);
    } else {
      current.push(pdf);
      used += encoded(pdf.size);
    }
  }
  return parts;
}

export interface PlannedReply {
  parts: ReplyPart[];
  pdfCount: number;
  zipped: boolean;
}

/** The attachments of each mail of the reply (one mail unless the batch is too big for one). */
export async function planReply(store: Store, prepared: readonly PreparedBatch[], limits: ReplyLimits, zipName: (part: number, of: number) => string, scratch: Staging): Promise<PlannedReply> {
  const { pdfs, reports } = await localFiles(store, prepared, scratch);
  const all = [...pdfs, ...reports];
  const total = all.reduce((n, f) => n + encoded(f.size), 0);
  const asFile = (f: LocalFile): ReplyAttachment => ({ filename: f.filename, path: f.path, contentType: f.contentType });
  if (pdfs.length <= limits.zipAboveCount && total <= limits.zipAboveBytes && total <= limits.maxMessageBytes - TEXT_ROOM) return { parts: [all.map(asFile)], pdfCount: pdfs.length, zipped: false };
  const groups = split(pdfs, reports, limits.maxMessageBytes);
  const parts: ReplyPart[] = [];
  for (const [i, group] of groups.entries()) {
    const name = zipName(i + 1, groups.length);
    const file = `scratch/${name}`;
    await scratch.pipe(file, zipStream(group.map((f) => ({ name: f.filename, path: f.path }))));
    parts.push([{ filename: name, path: scratch.path(file), contentType: 'application/zip' }]);
  }
  return { parts, pdfCount: pdfs.length, zipped: true };
}

/** Above this many errors, the reply lists the first ones and attaches them all as a CSV. */
export const ERRORS_IN_BODY = 500;
export const ERRORS_SHOWN = 50;
