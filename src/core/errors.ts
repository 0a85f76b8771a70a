/**
 * Typed errors with stable codes. A code never changes once released: logs,
 * replies and tests refer to it. The message is for the operator (English);
 * user-facing text is rendered from the code by the i18n catalogues.
 */
export class MailbotError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'MailbotError';
    this.code = code;
    this.details = details;
  }
}

/** A value refused by a validator; `field` names the field as the user knows it. */
export class ValidationError extends MailbotError {
  readonly field: string;

  constructor(field: string, message: string, details: Record<string, unknown> = {}) {
    super('VALIDATION_FAILED', `${field}: ${message}`, { field, ...details });
    this.name = 'ValidationError';
    this.field = field;
  }
}

export class NotFoundError extends MailbotError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} "${id}" not found`, { what, id });
    this.name = 'NotFoundError';
  }
}

/** The generated invoice broke an EN 16931 rule: a bug on our side, never committed. */
export class SelfCheckError extends MailbotError {
  readonly violations: readonly string[];

  constructor(invoiceRef: string, violations: readonly string[]) {
    super('SELF_CHECK_FAILED', `invoice ${invoiceRef} failed the EN 16931 self-check: ${violations.join('; ')}`, {
      invoiceRef,
      violations,
    });
    this.name = 'SelfCheckError';
    this.violations = violations;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A command given wrong options or values: exit 2 with the message, never a stack. */
export class UsageError extends MailbotError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
