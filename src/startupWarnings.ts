// What a developer should hear at start-up about settings that change how webhooks are answered.
import type { Config } from './config';

export interface StartupWarning {
  message: string;
  hint: string;
}

/** Warnings to log once at start, before the first request would reveal the surprise. */
export function startupWarnings(config: Pick<Config, 'twilio'>): StartupWarning[] {
  const { authToken, validateSignature } = config.twilio;
  if (!validateSignature) {
    return [
      {
        message: 'webhook signatures are not checked (TWILIO_VALIDATE_SIGNATURE=false)',
        hint: 'for local testing only: anyone who can reach the server can post messages as any number',
      },
    ];
  }
  if (authToken === null) {
    return [
      {
        message:
          'webhooks will be refused with 403: without TWILIO_AUTH_TOKEN there is nothing to check X-Twilio-Signature against',
        hint: 'set TWILIO_AUTH_TOKEN; to try webhooks locally without Twilio, set TWILIO_VALIDATE_SIGNATURE=false (for local testing only)',
      },
    ];
  }
  return [];
}
