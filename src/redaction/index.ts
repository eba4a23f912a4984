// Redaction: one module for recordings, errors, logs, tool outputs and CLI output (browser-safe).
export { DENIED_HEADERS, MIN_SECRET_LENGTH, Redactor, SECRET_JSON_PATHS } from './redactor.js';
export { isCredentialHeader, isCredentialName, redactUrl, urlSecrets } from './redactUrl.js';
export { REDACTED, SECRET_PATTERNS, findSecrets } from './secretPatterns.js';
