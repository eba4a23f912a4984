/**
 * Picking what happens to one tool call: which faults match the call number, which of them only
 * slow the call down (`delay`, `progress`) and which one decides the answer. Pure functions.
 */
import type { MockFault, MockFaultKind, MockFaultTrigger } from './config.js';

type Fault<K extends MockFaultKind> = Extract<MockFault, { kind: K }>;

/** Faults that run before the answer and then let the call go on. */
export type MockLeadFault = Fault<'delay'> | Fault<'progress'>;
/** Faults that decide the answer (or that there is none). */
export type MockFinalFault = Exclude<MockFault, MockLeadFault>;
/** Faults the HTTP layer carries out; the tool handler never sees such a call. */
export type MockHttpFault = Fault<'http500'> | Fault<'httpStatus'> | Fault<'expireSession'> | Fault<'malformedSse'>;

export interface MockCallPlan {
  /** Matching `delay` / `progress` faults before `final`, in order. */
  lead: MockLeadFault[];
  /** The first matching fault of another kind; none means a normal answer. */
  final?: MockFinalFault;
}

const HTTP_KINDS: ReadonlySet<MockFaultKind> = new Set(['http500', 'httpStatus', 'expireSession', 'malformedSse']);

/** Whether a fault applies to the `callNumber`th call (from 1) of its tool. */
export function faultMatches(on: MockFaultTrigger | undefined, callNumber: number): boolean {
  if (on === undefined || on.call === undefined) return on?.every !== false;
  return on.every === true ? callNumber >= on.call : callNumber === on.call;
}

/** Matching faults are applied in order: leads up to the first final fault, which ends the list. */
export function planCall(faults: readonly MockFault[] | undefined, callNumber: number): MockCallPlan {
  const lead: MockLeadFault[] = [];
  for (const fault of faults ?? []) {
    if (!faultMatches(fault.on, callNumber)) continue;
    if (fault.kind === 'delay' || fault.kind === 'progress') lead.push(fault);
    else return { lead, final: fault };
  }
  return { lead };
}

export function isHttpFault(fault: MockFault | undefined): fault is MockHttpFault {
  return fault !== undefined && HTTP_KINDS.has(fault.kind);
}

/** The kinds a plan applies, in order (for the call log). */
export function planKinds(plan: MockCallPlan): MockFaultKind[] {
  return [...plan.lead.map((fault) => fault.kind), ...(plan.final ? [plan.final.kind] : [])];
}

/**
 * An object that breaks an output schema: every typed property gets a value of another type, and
 * required properties without a type are left out.
 */
export function invalidStructuredContent(outputSchema: Record<string, unknown>): Record<string, unknown> {
  const properties = isObject(outputSchema.properties) ? outputSchema.properties : {};
  // fromEntries defines own properties: a property named "__proto__" stays a property.
  const out: Record<string, unknown> = Object.fromEntries(
    Object.entries(properties).flatMap(([name, schema]) => {
      const type = isObject(schema) ? schema.type : undefined;
      return type === undefined ? [] : [[name, wrongValueFor(type)]];
    }),
  );
  if (Object.keys(out).length === 0 && Array.isArray(outputSchema.required)) return {};
  return out;
}

const CANDIDATES: ReadonlyArray<[jsonTypes: string[], value: unknown]> = [
  [['string'], 'not-the-declared-type'],
  [['number', 'integer'], 42],
  [['boolean'], true],
  [['object'], { notTheDeclaredType: true }],
  [['array'], ['not-the-declared-type']],
  [['null'], null],
];

function wrongValueFor(type: unknown): unknown {
  const declared = Array.isArray(type) ? type : [type];
  const pick = CANDIDATES.find(([jsonTypes]) => !jsonTypes.some((t) => declared.includes(t)));
  return pick?.[1];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
