// The route table: every operation of the HTTP API, by subject. app.ts mounts them, openapi.ts
// documents them.
import type { Operation } from '../operation';
import { messageOperations } from './messages';
import { operationsOperations } from './operations';
import { ruleAnalyticsOperations } from './ruleAnalytics';
import { ruleOperations } from './rules';
import { scheduleOperations } from './schedules';
import { threadOperations } from './threads';
import { webhookOperations } from './twilioWebhooks';

export type AnyOperation = Operation<never, unknown, unknown, unknown>;

export const OPERATIONS: readonly AnyOperation[] = [
  ...webhookOperations,
  ...messageOperations,
  ...threadOperations,
  ...ruleOperations,
  ...ruleAnalyticsOperations,
  ...scheduleOperations,
  ...operationsOperations,
] as readonly AnyOperation[];
