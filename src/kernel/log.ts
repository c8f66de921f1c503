import pino, { type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Structured JSON logs; `component` names the process part that wrote the line. */
export function createLogger(options: { level?: LogLevel; component?: string } = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    base: options.component ? { component: options.component } : {},
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.passphrase', '*.privateKeyPem'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
