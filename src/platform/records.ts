/**
 * What the bot keeps of an invoice's life on the approved platform: its
 * deposit (queued, deposited, failed for good), the platform's flow id and
 * acknowledgement (AFNOR XP Z12-013, `Acknowledgement`), and the lifecycle
 * statuses it went through (XP Z12-012, 200 to 213). One record per
 * invoice, keyed by seller and number; business records, no personal data.
 */
export type AckStatus = 'Pending' | 'Ok' | 'Error';

/** XP Z12-013 `AcknowledgementDetail`. */
export interface AckDetail {
  level: 'Error' | 'Warning';
  item?: string;
  reasonCode?: string;
  reasonMessage?: string;
}

export interface StatusEvent {
  code: number; // XP Z12-012 ProcessConditionCode
  at: string; // when the platform reported it (the CDAR's issue time, else the flow's update time)
  reasonCode?: string; // MDT-113
  reason?: string; // MDT-114
  /** The CDAR flow that carried it. */
  flowId?: string;
  /** When the bot recorded it (the digest reports what was recorded since the last one, whatever time the platform gave). */
  recordedAt?: string;
}

export type DepositState = 'queued' | 'deposited' | 'failed';

export interface PlatformFlow {
  clientId: string;
  /** BT-1 of an invoice; for a payment declaration, its own key ("FA-2026-00001#P1"). */
  number: string;
  /** What is deposited: the invoice's Factur-X PDF (the default), or a payment declaration (CDAR, status 212). */
  kind?: 'invoice' | 'payment';
  /** A payment declaration: the invoice it is for, the day and the amount received (incl. VAT), its CDAR file as stored. */
  payment?: { invoice: string; date: string; amount: string; currency: string; file: string; fileSha256?: string };
  batchId: string;
  pdfFile: string;
  /** XP Z12-013 `trackingId`: stable, at most 36 characters; what a retry searches for before depositing again. */
  trackingId: string;
  state: DepositState;
  /** Attempts started (counted when an attempt takes the entry, before any request). */
  attempts: number;
  nextAttemptAt: string;
  /** A process holds the entry until then (it may be depositing it right now). */
  leaseUntil?: string;
  lastError?: string;
  flowId?: string;
  submittedAt?: string;
  ack?: { status: AckStatus; details?: AckDetail[]; at: string };
  status?: StatusEvent;
  history: StatusEvent[];
  queuedAt: string;
  updatedAt: string;
}

export function flowKey(clientId: string, number: string): string {
  return `${clientId}\u0000${number}`;
}

/** A patch of the store's platform operations: what an attempt, an acknowledgement or a status changes. */
export type FlowPatch = Partial<Pick<PlatformFlow, 'state' | 'attempts' | 'nextAttemptAt' | 'leaseUntil' | 'lastError' | 'flowId' | 'submittedAt' | 'ack'>> & {
  /** A lifecycle status: becomes `status` and joins `history` (once: the same code and time is no news). */
  status?: StatusEvent;
  /** Clear these optional fields. */
  clear?: ('leaseUntil' | 'lastError')[];
};

/** Apply a patch (pure: both backends use it, so a record reads the same whichever stores it). */
export function applyFlowPatch(flow: PlatformFlow, patch: FlowPatch, at: string): PlatformFlow {
  const { status, clear, ...rest } = patch;
  const next: PlatformFlow = { ...flow, ...rest, updatedAt: at };
  for (const k of clear ?? []) delete next[k];
  if (status && !flow.history.some((h) => h.code === status.code && h.at === status.at)) {
    next.history = [...flow.history, status].sort((a, b) => a.at.localeCompare(b.at));
    // The latest status is the one of latest time, whatever order the platform reported them in.
    next.status = next.history[next.history.length - 1];
  }
  return next;
}
