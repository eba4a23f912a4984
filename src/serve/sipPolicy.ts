/**
 * Which phone calls `serve` answers: rules on the SIP headers of `realtime.call.incoming` (e.g.
 * only callers whose From matches a pattern, never those a deny rule matches) and a cap on
 * concurrent phone calls. The decision is pure; the webhook route accepts or rejects by it.
 */

export interface SipHeaderRule {
  /** A SIP header name, any case (`From`, `To`, `X-Customer-Id`). */
  readonly header: string;
  /** A regular expression (JavaScript syntax, case-insensitive) one of the header's values must match. */
  readonly pattern: string;
}

export interface SipPolicy {
  /** When set and not empty: a call is answered only when at least one rule matches. */
  readonly allow?: readonly SipHeaderRule[];
  /** A call any rule matches is rejected. */
  readonly deny?: readonly SipHeaderRule[];
  /** Phone calls at once; past it a call is rejected busy (486). Default 10. */
  readonly maxConcurrentCalls?: number;
  /** The SIP status of a call the rules refuse. Default 603 (Decline). */
  readonly rejectStatusCode?: number;
}

export type SipDecision = { readonly accept: true } | { readonly accept: false; readonly statusCode: number; readonly why: string };

export const DEFAULT_MAX_SIP_CALLS = 10;

interface CompiledRule {
  header: string;
  pattern: RegExp;
  text: string;
}

/** The policy checked and compiled; a bad pattern or status throws naming it. */
export function compileSipPolicy(policy: SipPolicy = {}): (headers: ReadonlyArray<{ name: string; value: string }>, liveCalls: number) => SipDecision {
  const compile = (rules: readonly SipHeaderRule[] | undefined, list: string): CompiledRule[] =>
    (rules ?? []).map((rule, index) => {
      if (typeof rule.header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(rule.header)) throw new Error(`sip.${list}[${index}].header is not a header name`);
      try {
        return { header: rule.header.toLowerCase(), pattern: new RegExp(rule.pattern, 'i'), text: `${rule.header} ~ /${rule.pattern}/` };
      } catch (error) {
        throw new Error(`sip.${list}[${index}].pattern is not a regular expression (${(error as Error).message})`);
      }
    });
  const allow = compile(policy.allow, 'allow');
  const deny = compile(policy.deny, 'deny');
  const max = policy.maxConcurrentCalls ?? DEFAULT_MAX_SIP_CALLS;
  const rejectStatusCode = policy.rejectStatusCode ?? 603;
  if (!Number.isInteger(max) || max < 0) throw new Error('sip.maxConcurrentCalls must be a whole number, 0 or more');
  if (!Number.isInteger(rejectStatusCode) || rejectStatusCode < 400 || rejectStatusCode > 699) throw new Error('sip.rejectStatusCode must be a SIP final status from 400 to 699');
  const matches = (rule: CompiledRule, headers: ReadonlyArray<{ name: string; value: string }>) =>
    // A value is bounded before the pattern runs: a long header must not make a pattern crawl.
    headers.some((header) => typeof header.name === 'string' && header.name.toLowerCase() === rule.header && typeof header.value === 'string' && rule.pattern.test(header.value.slice(0, 1024)));
  return (headers, liveCalls) => {
    const denied = deny.find((rule) => matches(rule, headers));
    if (denied) return { accept: false, statusCode: rejectStatusCode, why: `a deny rule matched (${denied.text})` };
    if (allow.length > 0 && !allow.some((rule) => matches(rule, headers))) return { accept: false, statusCode: rejectStatusCode, why: 'no allow rule matched' };
    if (liveCalls >= max) return { accept: false, statusCode: 486, why: `${liveCalls} phone calls are live, the most allowed (sip.maxConcurrentCalls)` };
    return { accept: true };
  };
}
