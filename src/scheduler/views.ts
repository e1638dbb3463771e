// What the schedule API answers: a schedule, a fire (run) with its send counts.
import type { ScheduleDoc } from '../db/models/schedule';
import type { ScheduleRunDoc } from '../db/models/scheduleRun';

export interface ScheduleView {
  id: string;
  name: string | null;
  /** As given: a list of E.164 numbers, or `{tag}` for every thread with that tag. */
  to: string[] | { tag: string };
  from: string | null;
  body: string | null;
  template: string | null;
  vars: Record<string, unknown>;
  sendAt: Date | null;
  cron: string | null;
  timezone: string;
  enabled: boolean;
  status: string;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  source: string;
  rule: string | null;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface RunView {
  fireAt: Date;
  status: string;
  owner: string;
  startedAt: Date;
  finishedAt: Date | null;
  takeovers: number;
  error: string | null;
  /** Send records of this fire by status (sent ones under Twilio's status: queued, delivered, …). */
  messages: Record<string, number>;
}

export interface ScheduleDetail extends ScheduleView {
  /** Recurring: the next fire times as node-cron computes them (DST included). */
  upcoming: Date[];
  /** The most recent fires, newest first. */
  runs: RunView[];
}

export function toScheduleView(s: ScheduleDoc): ScheduleView {
  return {
    id: String(s._id),
    name: s.name ?? null,
    to: s.tag ? { tag: s.tag } : [...(s.to ?? [])],
    from: s.from ?? null,
    body: s.body ?? null,
    template: s.template ?? null,
    vars: (s.vars as Record<string, unknown> | null) ?? {},
    sendAt: s.sendAt ?? null,
    cron: s.cron ?? null,
    timezone: s.timezone,
    enabled: s.enabled ?? true,
    status: s.status ?? 'active',
    nextRunAt: s.nextRunAt ?? null,
    lastRunAt: s.lastRunAt ?? null,
    source: s.source ?? 'api',
    rule: s.rule ?? null,
    revision: s.revision ?? 0,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export function toRunView(r: ScheduleRunDoc, messages: Record<string, number>): RunView {
  return {
    fireAt: r.fireAt,
    status: r.status,
    owner: r.owner,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt ?? null,
    takeovers: r.takeovers ?? 0,
    error: r.error ?? null,
    messages,
  };
}
