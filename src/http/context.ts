// What the HTTP layer is given by the composition root: configuration, logger and the services.
import type { Connection } from 'mongoose';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Logger } from '../logger';

export interface HealthSources {
  /** A summary of the loaded rules for /health. */
  rules(): { loaded: boolean; version: string | null; count: number; error: boolean };
  twilioMode(): 'twilio' | 'dry-run';
}

export interface HttpContext {
  config: Config;
  logger: Logger;
  connection: Connection;
  clock: Clock;
  startedAt: Date;
  health: HealthSources;
}
