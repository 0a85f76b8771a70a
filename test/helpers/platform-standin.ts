/**
 * A stateful stand-in for an approved platform, on loopback: an OAuth2
 * token endpoint (client credentials, HTTP Basic) and the Flow Service
 * subset of docs/platform/flow-service.openapi.json. Every request is
 * checked against that description (method, path, bearer, body, query);
 * one that breaks it is answered 400 and kept in `violations`, which the
 * tests expect empty. It plays what a platform does: 202 and a flow id for
 * each deposit, acknowledgements, lifecycle flows carrying CDAR status
 * messages (XP Z12-012), failures on demand (429 with Retry-After, 503,
 * a 4xx refusal), tokens that expire mid-run.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LIFECYCLE_STATUSES, type LifecycleStatus } from '../../src/platform/statuses.js';
import { check, schema } from './openapi-check.js';

export interface StandinFlow {
  flowId: string;
  trackingId?: string;
  name?: string;
  submittedAt: string;
  updatedAt: string;
  flowType: 'CustomerInvoice' | 'CustomerInvoiceLC';
  flowDirection: 'In' | 'Out';
  flowSyntax: string;
  flowProfile?: string;
  processingRule?: string;
  acknowledgement: { status: 'Pending' | 'Ok' | 'Error'; details?: { level: 'Error' | 'Warning'; item: string; reasonCode: string; reasonMessage: string }[] };
  file: Buffer;
  /** The invoice number a deposit carries (its file name) or a status refers to. */
  number: string;
}

interface Failure {
  status: number;
  retryAfter?: string;
}

export class PlatformStandin {
  readonly violations: string[] = [];
  readonly flows: StandinFlow[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  readonly clientId = 'mailbot-test';
  readonly secret = `s3cret-${randomUUID()}`;
  tokensIssued = 0;
  private readonly tokens = new Map<string, number>();
  private readonly failures: Failure[] = [];
  private last = 0;
  private server?: Server;
  url = '';
  tokenUrl = '';

  constructor(private readonly tokenTtlSeconds = 3600) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${port}/flow-service`;
    this.tokenUrl = `http://127.0.0.1:${port}/oauth/token`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The next deposits (POST /v1/flows) fail with these, in order. */
  failNext(...failures: Failure[]): void {
    this.failures.push(...failures);
  }

  /** Every token given so far stops being valid (as at its expiry). */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** A timestamp later than every one given so far: `updatedAt` orders the search. */
  private stamp(): string {
    this.last = Math.max(Date.now(), this.last + 1);
    return new Date(this.last).toISOString();
  }

  deposits(number?: string): StandinFlow[] {
    return this.flows.filter((f) => f.flowType === 'CustomerInvoice' && (number === undefined || f.number === number));
  }

  /** The platform's acknowledgement of a deposit. */
  ack(number: string, status: 'Ok' | 'Error', details?: StandinFlow['acknowledgement']['details']): void {
    const f = this.deposits(number).at(-1);
    if (!f) throw new Error(`no deposit of ${number}`);
    f.acknowledgement = { status, ...(details ? { details } : {}) };
    f.updatedAt = this.stamp();
  }

  /** A lifecycle flow (CDAR) saying `code` for an invoice. */
  emit(number: string, code: LifecycleStatus, reason?: { code: string; text: string }, seller = '123456782'): StandinFlow {
    const now = this.stamp();
    const flow: StandinFlow = {
      flowId: randomUUID(), submittedAt: now, updatedAt: now, flowType: 'CustomerInvoiceLC', flowDirection: 'In', flowSyntax: 'CDAR',
      acknowledgement: { status: 'Ok' }, number, file: Buffer.from(cdar(number, code, now, seller, reason), 'utf8'),
    };
    this.flows.push(flow);
    return flow;
  }

  private violation(what: string): void {
    this.violations.push(what);
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    res.writeHead(status, { ...(body !== undefined && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(text);
  }

  private error(res: ServerResponse, status: number, errorCode: string, errorMessage: string, headers: Record<string, string> = {}): void {
    const body = { errorCode, errorMessage };
    const problems = check(body, schema('Error'));
    if (problems.length > 0) throw new Error(`the stand-in answered outside the description: ${problems.join('; ')}`);
    this.send(res, status, body, headers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://standin');
    const path = url.pathname;
    const done = (status: number) => this.requests.push({ method: req.method ?? '', path, status });
    const origEnd = res.end.bind(res);
    res.end = ((...args: Parameters<typeof origEnd>) => {
      done(res.statusCode);
      return origEnd(...args);
    }) as typeof res.end;
    try {
      if (path === '/oauth/token') return this.token(req, body, res);
      if (!path.startsWith('/flow-service/v1/')) {
        this.violation(`${req.method} ${path}: no such path`);
        return this.error(res, 404, 'MISSING_RESOURCE', 'no such path');
      }
      const auth = req.headers.authorization ?? '';
      const token = /^Bearer (.+)$/.exec(auth)?.[1];
      if (!token || !this.tokens.has(token) || (this.tokens.get(token) ?? 0) < Date.now()) return this.error(res, 401, 'MISSING_TOKEN', 'token missing, unknown or expired');
      const rest = path.slice('/flow-service'.length);
      if (req.method === 'GET' && rest === '/v1/healthcheck') return this.send(res, 200);
      if (req.method === 'POST' && rest === '/v1/flows') return await this.createFlow(req, body, res);
      if (req.method === 'POST' && rest === '/v1/flows/search') return this.search(req, body, res);
      const m = /^\/v1\/flows\/([^/]+)$/.exec(rest);
      if (req.method === 'GET' && m) return this.getFlow(decodeURIComponent(m[1] ?? ''), url, res);
      this.violation(`${req.method} ${path}: not in the description`);
      return this.error(res, 404, 'MISSING_RESOURCE', 'not in the description');
    } catch (err) {
      this.violation(`${req.method} ${path}: ${(err as Error).message}`);
      return this.error(res, 500, 'INTERNAL_ERROR', (err as Error).message);
    }
  }

  private token(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [];
    const form = new URLSearchParams(body.toString('utf8'));
    if (req.method !== 'POST' || form.get('grant_type') !== 'client_credentials') {
      this.violation('token: not a client credentials grant');
      return this.send(res, 400, { error: 'unsupported_grant_type' });
    }
    if (id !== this.clientId || secret !== this.secret) return this.send(res, 401, { error: 'invalid_client' });
    const token = randomUUID();
    this.tokens.set(token, Date.now() + this.tokenTtlSeconds * 1000);
    this.tokensIssued += 1;
    this.send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: this.tokenTtlSeconds });
  }

  private async createFlow(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data')) {
      this.violation(`POST /v1/flows: content type ${type}`);
      return this.error(res, 400, 'MISSING_REQUIRED_FIELD', 'multipart/form-data expected');
    }
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    const infoPart = form.get('flowInfo');
    const filePart = form.get('file');
    if (!(infoPart instanceof Blob) || !(filePart instanceof Blob)) {
      this.violation('POST /v1/flows: the flowInfo and file parts are required');
      return this.error(res, 400, 'MISSING_REQUIRED_FIELD', 'flowInfo and file are required');
    }
    if (!infoPart.type.startsWith('application/json')) this.violation(`POST /v1/flows: flowInfo part of type ${infoPart.type}`);
    const info = JSON.parse(await infoPart.text()) as Record<string, string>;
    const problems = check(info, schema('FlowInfo'), 'flowInfo');
    if (problems.length > 0) {
      this.violation(`POST /v1/flows: ${problems.join('; ')}`);
      return this.error(res, 400, 'MISSING_REQUIRED_FIELD', problems.join('; '));
    }
    const failure = this.failures.shift();
    if (failure) {
      const codes: Record<number, string> = { 429: 'TOO_MANY_REQUESTS', 503: 'RESOURCE_ERROR', 422: 'UNPROCESSABLE_ENTITY', 413: 'FILE_SIZE_EXCEEDED', 403: 'FORBIDDEN_ACCESS' };
      return this.error(res, failure.status, codes[failure.status] ?? 'INTERNAL_ERROR', `failure on demand ${failure.status}`, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {});
    }
    const file = Buffer.from(await filePart.arrayBuffer());
    if (info.sha256 && createHash('sha256').update(file).digest('hex') !== info.sha256) return this.error(res, 422, 'UNPROCESSABLE_ENTITY', 'sha256 does not match the file');
    if (info.flowSyntax === 'Factur-X' && file.subarray(0, 5).toString('latin1') !== '%PDF-') return this.error(res, 422, 'UNPROCESSABLE_ENTITY', 'a Factur-X flow is a PDF');
    const now = this.stamp();
    const flow: StandinFlow = {
      flowId: randomUUID(), submittedAt: now, updatedAt: now, flowType: 'CustomerInvoice', flowDirection: 'Out', flowSyntax: info.flowSyntax ?? '', acknowledgement: { status: 'Pending' }, file,
      number: (info.name ?? '').replace(/\.pdf$/i, ''),
      ...(info.trackingId ? { trackingId: info.trackingId } : {}), ...(info.name ? { name: info.name } : {}), ...(info.flowProfile ? { flowProfile: info.flowProfile } : {}), ...(info.processingRule ? { processingRule: info.processingRule } : {}),
    };
    this.flows.push(flow);
    const answer = { flowId: flow.flowId, submittedAt: now, ...info };
    const out = check(answer, schema('FullFlowInfo'));
    if (out.length > 0) throw new Error(`202 outside the description: ${out.join('; ')}`);
    this.send(res, 202, answer);
  }

  private meta(f: StandinFlow) {
    const { file: _f, number: _n, name: _name, ...rest } = f;
    return rest;
  }

  private search(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) this.violation('POST /v1/flows/search: not JSON');
    const params = JSON.parse(body.toString('utf8')) as { limit?: number; where: { trackingId?: string; updatedAfter?: string; flowType?: string[]; flowDirection?: string[] } };
    const problems = check(params, schema('SearchFlowParams'), 'search');
    if (problems.length > 0) {
      this.violation(`POST /v1/flows/search: ${problems.join('; ')}`);
      return this.error(res, 400, 'MISSING_REQUIRED_FIELD', problems.join('; '));
    }
    const w = params.where;
    const results = this.flows
      .filter((f) => (!w.trackingId || f.trackingId === w.trackingId) && (!w.updatedAfter || f.updatedAt > w.updatedAfter) && (!w.flowType || w.flowType.includes(f.flowType)) && (!w.flowDirection || w.flowDirection.includes(f.flowDirection)))
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
      .slice(0, params.limit ?? 25)
      .map((f) => this.meta(f));
    this.send(res, 200, { limit: params.limit ?? 25, filters: w, results });
  }

  private getFlow(flowId: string, url: URL, res: ServerResponse): void {
    const docType = url.searchParams.get('docType') ?? 'Metadata';
    if (!['Metadata', 'Original', 'Converted', 'ReadableView'].includes(docType)) {
      this.violation(`GET /v1/flows/${flowId}: docType ${docType}`);
      return this.error(res, 400, 'MISSING_REQUIRED_FIELD', 'docType');
    }
    const f = this.flows.find((x) => x.flowId === flowId);
    if (!f) return this.error(res, 404, 'MISSING_RESOURCE', 'Requested resource is Not Found');
    if (docType === 'Metadata') return this.send(res, 200, this.meta(f));
    this.send(res, 200, f.file, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment;filename=${f.flowId}` });
  }
}

/** A lifecycle status message (CDAR D22B "CDV", XP Z12-012) about one invoice, as a platform sends it. */
export function cdar(number: string, code: LifecycleStatus, at: string, seller: string, reason?: { code: string; text: string }): string {
  const t204 = at.replace(/[-:T]/g, '').slice(0, 14);
  const business = code >= 204 && code <= 212;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>REGULATED</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>${esc(number)}_${code}_${t204}</ram:ID>
    <ram:IssueDateTime><udt:DateTimeString format="204">${t204}</udt:DateTimeString></ram:IssueDateTime>
    <ram:SenderTradeParty><ram:RoleCode>WK</ram:RoleCode></ram:SenderTradeParty>
    <ram:IssuerTradeParty><ram:RoleCode>${business ? 'BY' : 'WK'}</ram:RoleCode></ram:IssuerTradeParty>
    <ram:RecipientTradeParty><ram:GlobalID schemeID="0002">${seller}</ram:GlobalID><ram:RoleCode>SE</ram:RoleCode></ram:RecipientTradeParty>
  </rsm:ExchangedDocument>
  <rsm:AcknowledgementDocument>
    <ram:MultipleReferencesIndicator><udt:Indicator>false</udt:Indicator></ram:MultipleReferencesIndicator>
    <ram:TypeCode>${business ? '23' : '305'}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="204">${t204}</udt:DateTimeString></ram:IssueDateTime>
    <ram:ReferenceReferencedDocument>
      <ram:IssuerAssignedID>${esc(number)}</ram:IssuerAssignedID>
      <ram:TypeCode>380</ram:TypeCode>
      <!-- the status (MDT-105) and its label -->
      <ram:ProcessConditionCode>${code}</ram:ProcessConditionCode>
      <ram:ProcessCondition>${LIFECYCLE_STATUSES[code].fr}</ram:ProcessCondition>
      <ram:IssuerTradeParty><ram:GlobalID schemeID="0002">${seller}</ram:GlobalID></ram:IssuerTradeParty>${reason ? `
      <ram:SpecifiedDocumentStatus><ram:ReasonCode>${esc(reason.code)}</ram:ReasonCode><ram:Reason>${esc(reason.text)}</ram:Reason><ram:SequenceNumeric>1</ram:SequenceNumeric></ram:SpecifiedDocumentStatus>` : ''}
    </ram:ReferenceReferencedDocument>
  </rsm:AcknowledgementDocument>
</rsm:CrossDomainAcknowledgementAndResponse>
`;
}
