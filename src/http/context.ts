// What the HTTP layer is given by the composition root: configuration, logger and the services.
import type { Connection } from 'mongoose';
import type { RuleAnalytics } from '../analytics/ruleAnalytics';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { BotContent } from '../content/botContent';
import type { InboundMessage, InboundResult } from '../conversations/inbound';
import type { ConversationStore } from '../conversations/store';
import type { ThreadReader } from '../conversations/threads';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { OutboundService } from '../outbound/messages';
import type { StatusService } from '../outbound/status';
import type { ScheduleService } from '../scheduler/service';
import type { LiveEvents } from './console/liveEvents';

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
  metrics: Metrics;
  content: BotContent;
  /** The webhook pipeline (ResilientInbound around InboundService). */
  inbound: { handle(msg: InboundMessage): Promise<InboundResult> };
  status: StatusService;
  outbound: OutboundService;
  store: ConversationStore;
  threads: ThreadReader;
  /** The schedules behind /api/schedules. */
  schedules: ScheduleService;
  /** Stored inbound messages, for the console's live inbox. */
  liveEvents?: LiveEvents;
  /** Hits per rule and unmatched messages (GET /api/rules/stats, /api/rules/unmatched). */
  ruleAnalytics?: RuleAnalytics;
}
