/**
 * The Flow Service of an approved platform (AFNOR XP Z12-013, annex A,
 * Flow Service 1.1.0): the four operations the bot uses, each with the
 * seller's bearer token. Paths hang from the record's `url`:
 * - GET  /v1/healthcheck
 * - POST /v1/flows            multipart: `flowInfo` (JSON) and `file` → 202 FullFlowInfo
 * - POST /v1/flows/search     { limit, where: { trackingId | updatedAfter, flowType… } } → { results: Flow[] }
 * - GET  /v1/flows/{flowId}   ?docType=Original: the file a flow carries (a CDAR status message)
 * Our description of this subset is docs/platform/flow-service.openapi.json.
 */
import { randomUUID } from 'node:crypto';
import type { PlatformConfig } from './config.js';
import { failureOf, PlatformError, request } from './http.js';
import type { AckDetail, AckStatus } from './records.js';
import type { TokenSource } from './token.js';

/** XP Z12-013 `FlowInfo` as the bot sends it. */
export interface FlowInfo {
  trackingId: string;
  name: string;
  processingRule: 'B2B';
  flowSyntax: 'Factur-X' | 'CDAR';
  flowProfile?: 'CIUS';
  sha256: string;
}

/** XP Z12-013 `Flow` (metadata), the fields the bot reads. */
export interface Flow {
  flowId: string;
  trackingId?: string;
  submittedAt?: string;
  updatedAt?: string;
  flowType?: string;
  flowDirection?: 'In' | 'Out';
  flowSyntax?: string;
  acknowledgement?: { status: AckStatus; details?: AckDetail[] };
}

export interface SearchWhere {
  trackingId?: string;
  updatedAfter?: string;
  flowType?: string[];
  flowDirection?: ('In' | 'Out')[];
}

export const SEARCH_LIMIT = 100;

export class FlowClient {
  constructor(
    private readonly config: PlatformConfig,
    private readonly tokens: TokenSource,
    private readonly timeoutMs = 30_000,
  ) {}

  /** A call with the seller's token; a 401 drops the token and tries once more with a new one. */
  private async call(path: string, init: RequestInit, what: string): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.token(this.config);
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      // Both names of the correlation header (X-Request-Id in 1.1.0, Request-Id since 1.2.0).
      const id = randomUUID();
      headers.set('x-request-id', id);
      headers.set('request-id', id);
      const res = await request(`${this.config.url}${path}`, { ...init, headers }, this.timeoutMs, what);
      if (res.status === 401 && attempt === 1) {
        await res.body?.cancel();
        this.tokens.drop(this.config, token);
        continue;
      }
      return res;
    }
  }

  async healthcheck(): Promise<void> {
    const res = await this.call('/v1/healthcheck', { method: 'GET' }, 'healthcheck');
    await res.body?.cancel();
    if (!res.ok) throw await failureOf(res, 'healthcheck');
  }

  /** POST /v1/flows: 202 and the flow's id, or a PlatformError. */
  async deposit(info: FlowInfo, file: Uint8Array, contentType: string): Promise<{ flowId: string; submittedAt?: string }> {
    const form = new FormData();
    form.set('flowInfo', new Blob([JSON.stringify(info)], { type: 'application/json' }), 'flowInfo.json');
    form.set('file', new Blob([file], { type: contentType }), info.name);
    const res = await this.call('/v1/flows', { method: 'POST', body: form }, `deposit of ${info.name}`);
    if (res.status !== 202) throw await failureOf(res, `deposit of ${info.name}`);
    const body = (await res.json().catch(() => ({}))) as { flowId?: unknown; submittedAt?: unknown };
    if (typeof body.flowId !== 'string' || body.flowId === '') throw new PlatformError('retry', `deposit of ${info.name}: the 202 names no flowId`);
    return { flowId: body.flowId, ...(typeof body.submittedAt === 'string' ? { submittedAt: body.submittedAt } : {}) };
  }

  async search(where: SearchWhere, limit = SEARCH_LIMIT): Promise<Flow[]> {
    const res = await this.call('/v1/flows/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limit, where }) }, 'search');
    if (!res.ok) throw await failureOf(res, 'search');
    const body = (await res.json().catch(() => ({}))) as { results?: unknown };
    if (!Array.isArray(body.results)) throw new PlatformError('retry', 'search: the answer holds no results');
    return body.results.filter((r): r is Flow => typeof r === 'object' && r !== null && typeof (r as Flow).flowId === 'string');
  }

  /** GET /v1/flows/{flowId}?docType=Original: the file the flow carries (a CDAR status message). */
  async original(flowId: string, maxBytes = 2 * 1024 * 1024): Promise<Buffer> {
    const res = await this.call(`/v1/flows/${encodeURIComponent(flowId)}?docType=Original`, { method: 'GET' }, `flow ${flowId}`);
    if (!res.ok) throw await failureOf(res, `flow ${flowId}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > maxBytes) throw new PlatformError('refused', `flow ${flowId}: ${bytes.length} bytes, more than a status message holds`);
    return bytes;
  }
}
