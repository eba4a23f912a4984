/**
 * `GET /info`: what the page needs to know before it draws its connect form — whether serve talks
 * to the local simulator (no key needed), where the OpenAI key comes from, whether the page may name
 * its own MCP servers, the tool limits and the approval mode. Nothing secret: no key, no URL.
 */
import packageJson from '../../package.json' with { type: 'json' };
import type { ApprovalMode } from '../machines/types.js';
import { isLoopback } from '../isLoopback.js';

export interface ServeInfo {
  version: string;
  /** The OpenAI base URL is loopback: the simulator plays the model, no key is needed. */
  offline: boolean;
  /** `server`: serve holds the key; `browser`: the page sends one (X-OpenAI-Key) with POST /session and POST /call. */
  openAiKey: 'server' | 'browser';
  runtimeMcp: boolean;
  toolLimits: { maxTools: number; maxTokens: number };
  approvalMode: ApprovalMode;
}

export const SERVE_VERSION: string = packageJson.version;

/** Whether a REST base URL points at this machine (the simulator). */
export function isOfflineBaseUrl(baseUrl: string): boolean {
  try {
    return isLoopback(new URL(baseUrl).hostname);
  } catch {
    return false;
  }
}

export function serveInfo(settings: { baseUrl: string; keyFromBrowser: boolean; runtimeMcp: boolean; toolLimits: { maxTools: number; maxTokens: number }; approvalMode: ApprovalMode | undefined }): ServeInfo {
  return {
    version: SERVE_VERSION,
    offline: isOfflineBaseUrl(settings.baseUrl),
    openAiKey: settings.keyFromBrowser ? 'browser' : 'server',
    runtimeMcp: settings.runtimeMcp,
    toolLimits: { maxTools: settings.toolLimits.maxTools, maxTokens: settings.toolLimits.maxTokens },
    approvalMode: settings.approvalMode ?? 'never',
  };
}
