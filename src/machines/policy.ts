/**
 * The session's policy decisions, as pure functions of what it knows: may a call run, must the
 * host be asked, and what a barge-in does to it. The session machine applies them; the proxy
 * builds their inputs from its options.
 */
import type { ToolAnnotations } from '../mcp/types.js';
import type { ApprovalRule, BargeInPolicy, SessionApprovalPolicy, ToolCallInput } from './types.js';

/** What the session knows of one callable function, by its Realtime function name. */
export interface SessionToolInfo {
  /** The MCP server label and tool name behind the function. */
  server?: string;
  tool?: string;
  annotations?: ToolAnnotations;
  /** The host's approval rule for this tool (resolved by the proxy), winning over the mode. */
  approval?: ApprovalRule;
  /** The host's barge-in rule for this tool; default `cancel` for read-only tools, `finish` for the rest. */
  bargeIn?: BargeInPolicy;
}

/** A sticky answer: the host said "always" or "never" for a tool, for the rest of the session. */
export type StickyAnswer = 'allow' | 'deny';

/** The key of a tool in per-tool settings and sticky answers: `"server/tool"` (server labels hold no `/`). */
export function toolIdentity(server: string, tool: string): string {
  return `${server}/${tool}`;
}

/** A `"server/tool"` key split at its first `/` (tool names may hold more); undefined when it names no server. */
export function parseToolIdentity(key: string): { server: string; tool: string } | undefined {
  const slash = key.indexOf('/');
  return slash > 0 ? { server: key.slice(0, slash), tool: key.slice(slash + 1) } : undefined;
}

/** Which tool a sticky answer belongs to: its MCP identity when known, else the function name. */
export function stickyKey(functionName: string, info: SessionToolInfo | undefined): string {
  return info?.server !== undefined && info.tool !== undefined ? toolIdentity(info.server, info.tool) : `function:${functionName}`;
}

export interface ApprovalFacts {
  policy: SessionApprovalPolicy | undefined;
  /**
   * The session offers a function by that name (its tools, or its `toolInfo`). A name it does not
   * offer is never put to the host: the executor refuses it (`unknown_tool` / `not_allowed`) without
   * running anything, so there is nothing to approve.
   */
  offered: boolean;
  /** The tool's MCP identity, when known. */
  identity?: string;
  /** A rule resolved for this very tool (SessionToolInfo.approval). */
  rule?: ApprovalRule;
  readOnly: boolean;
  sticky?: StickyAnswer;
}

/**
 * Run, refuse, or ask. A name the session does not offer goes to the executor unasked (it refuses
 * it); otherwise a sticky answer wins, then the tool's own rule, then the policy's per-tool map,
 * then the mode (`auto` asks unless the tool says it is read-only).
 */
export function decideApproval(facts: ApprovalFacts): ToolCallInput['approval'] {
  if (!facts.offered) return 'auto-approve';
  if (facts.sticky) return facts.sticky === 'allow' ? 'auto-approve' : 'auto-deny';
  const rule = facts.rule ?? (facts.identity === undefined ? undefined : facts.policy?.tools?.get(facts.identity));
  if (rule) return rule === 'always' ? 'ask' : 'auto-approve';
  const mode = facts.policy?.mode ?? 'never';
  if (mode === 'never') return 'auto-approve';
  if (mode === 'always') return 'ask';
  return facts.readOnly ? 'auto-approve' : 'ask';
}

/** What a barge-in does to a running call: the host's rule, else cancel read-only tools and let the rest finish. */
export function bargeInPolicy(info: SessionToolInfo | undefined): BargeInPolicy {
  return info?.bargeIn ?? (info?.annotations?.readOnlyHint === true ? 'cancel' : 'finish');
}
