// The models bound to one connection. Every service gets its models from here.
import type { Connection } from 'mongoose';
import { leaseModel, type LeaseModel } from './lease';
import { messageModel, type MessageModel } from './message';
import { optOutModel, type OptOutModel } from './optOut';
import { ruleCountModel, type RuleCountModel } from './ruleCount';
import { scheduleModel, type ScheduleModel } from './schedule';
import { threadModel, type ThreadModel } from './thread';

export interface Models {
  Thread: ThreadModel;
  Message: MessageModel;
  Schedule: ScheduleModel;
  OptOut: OptOutModel;
  Lease: LeaseModel;
  RuleCount: RuleCountModel;
}

export function bindModels(connection: Connection): Models {
  return {
    Thread: threadModel(connection),
    Message: messageModel(connection),
    Schedule: scheduleModel(connection),
    OptOut: optOutModel(connection),
    Lease: leaseModel(connection),
    RuleCount: ruleCountModel(connection),
  };
}

/** Builds the indexes once at start (autoIndex runs them too, but this lets start-up wait for them). */
export async function ensureIndexes(models: Models): Promise<void> {
  await Promise.all(Object.values(models).map((m: { init(): Promise<unknown> }) => m.init()));
}

export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}
