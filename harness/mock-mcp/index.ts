/**
 * A mock MCP server for tests and the CLI: Streamable HTTP (stateful or stateless) or legacy
 * HTTP+SSE on 127.0.0.1, tools declared with plain JSON Schemas, faults injected per call.
 */

/* Server */
export { startMockMcpServer } from './server.js';
export type { MockMcpServer, StartMockMcpServerOptions } from './server.js';

/* Config */
export { loadMockMcpConfig, validateMockMcpConfig, validateMockTools } from './config.js';
export type { MockFault, MockFaultKind, MockFaultTrigger, MockMcpConfig, MockMcpMode, MockTool } from './config.js';

/* Faults */
export { faultMatches, planCall } from './faults.js';
export type { MockCallPlan } from './faults.js';

/* Records */
export type { MockCallOutcome, MockCallRecord, MockRequestRecord } from './state.js';
