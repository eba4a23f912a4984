/**
 * What an approval handler (`approval.onRequest`) may answer, checked: `true`/`false`, or
 * `{ approved: boolean, reason?: string, sticky?: boolean }`, or `undefined` to leave it to
 * `proxy.approve/deny`. Anything else — `{ approved: "false" }` (a truthy string), `1`, `null` — is
 * not an answer, and a call nobody clearly approved must not run: it is denied, and the host told.
 */
export interface ApprovalDecisionAnswer {
  approved: boolean;
  reason?: string;
  sticky?: boolean;
}

export type ParsedApprovalAnswer =
  | { ok: true; answer: ApprovalDecisionAnswer | undefined }
  | { ok: false; why: string };

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

export function parseApprovalAnswer(value: unknown): ParsedApprovalAnswer {
  if (value === undefined) return { ok: true, answer: undefined };
  if (typeof value === 'boolean') return { ok: true, answer: { approved: value } };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, why: `it returned ${describe(value)}, not a boolean or { approved: boolean }` };
  }
  const { approved, reason, sticky } = value as Record<string, unknown>;
  if (typeof approved !== 'boolean') return { ok: false, why: `its "approved" is ${describe(approved)}, not a boolean` };
  if (reason !== undefined && typeof reason !== 'string') return { ok: false, why: `its "reason" is ${describe(reason)}, not a string` };
  if (sticky !== undefined && typeof sticky !== 'boolean') return { ok: false, why: `its "sticky" is ${describe(sticky)}, not a boolean` };
  return { ok: true, answer: { approved, ...(reason === undefined ? {} : { reason }), ...(sticky === undefined ? {} : { sticky }) } };
}
