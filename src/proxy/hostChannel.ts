/**
 * Everything the proxy tells the host goes through here: events to `proxy.on` listeners and
 * `hooks.onEvent`, errors to `hooks.onError`, the `error` listeners and the logger. Host code may
 * throw anywhere in that path; none of it may reach the session. A throwing hook or listener
 * becomes a `listener_error`; a throwing error hook, error listener or logger is logged, or, as a
 * last resort, dropped.
 */
import { Emitter } from '../emitter.js';
import { ProxyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ProxyEvents, RealtimeMcpProxyOptions } from './options.js';

export interface HostChannel {
  readonly events: Emitter<ProxyEvents>;
  notify<E extends keyof ProxyEvents>(event: E, ...args: ProxyEvents[E]): void;
  report(error: ProxyError): void;
  /** The host's logger, made safe to call. */
  readonly logger: Logger;
}

function why(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** A logger whose methods never throw. */
export function safeLogger(logger: Logger): Logger {
  const wrap =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, message: string): void => {
      try {
        logger[level](fields, message);
      } catch {
        // A broken logger has nowhere left to report to.
      }
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/** `redact` makes the copy of an error the host sees (servers echo credentials into the errors they cause). */
export function createHostChannel(hooks: RealtimeMcpProxyOptions['hooks'], hostLogger: Logger, redact: (error: ProxyError) => ProxyError = (error) => error): HostChannel {
  const logger = safeLogger(hostLogger);
  const events = new Emitter<ProxyEvents>({
    onErrorListenerThrew: (cause) => logger.error({ code: 'listener_error' }, `Failed to run an "error" listener: it threw ${why(cause)}. Please catch errors inside your listener.`),
  });
  // Errors also reach hooks.onError and the logger; an unheard one is not lost.
  events.on('error', () => undefined);

  const report = (raw: ProxyError): void => {
    const error = redact(raw);
    logger.warn({ code: error.code }, error.message);
    try {
      hooks?.onError?.(error);
    } catch (cause) {
      logger.error({ code: 'listener_error' }, `Failed to run hooks.onError: it threw ${why(cause)}. Please catch errors inside hooks.onError.`);
    }
    events.emit('error', error);
  };

  const notify = <E extends keyof ProxyEvents>(event: E, ...args: ProxyEvents[E]): void => {
    try {
      hooks?.onEvent?.(event, args[0]);
    } catch (cause) {
      report(new ProxyError('listener_error', `Failed to run hooks.onEvent for "${String(event)}": it threw ${why(cause)}. Please catch errors inside hooks.onEvent.`, { cause }));
    }
    events.emit(event, ...args);
  };

  return { events, notify, report, logger };
}
