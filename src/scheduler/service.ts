// The schedules behind the admin API: create, list, read with recent fires, change, cancel.
import type { Types } from 'mongoose';
import type { Clock } from '../clock';
import type { Page } from '../conversations/threads';
import type { Models } from '../db/models';
import type { ScheduleDoc, ScheduleStatus } from '../db/models/schedule';
import type { ScheduleRunDoc, ScheduleRunModel } from '../db/models/scheduleRun';
import {
  ConflictError,
  NotFoundError,
  ScheduleNotEditableError,
  UnknownTemplateError,
  ValidationError,
} from '../errors';
import { normalizeCron, upcomingRuns } from './cronSpec';
import { toRunView, toScheduleView, type ScheduleDetail, type ScheduleView } from './views';

/** One number, a list, or every thread with a tag. */
export type RecipientsInput = string | string[] | { tag: string };

/** A new schedule, already checked for shape at the edge (one of body/template, one of sendAt/cron). */
export interface ScheduleInput {
  name?: string | null;
  to: RecipientsInput;
  from?: string | null;
  body?: string;
  template?: string;
  vars?: Record<string, unknown>;
  sendAt?: Date;
  cron?: string;
  timezone?: string;
  enabled?: boolean;
}

/** A change: given fields replace the stored ones (body replaces template and vice versa, sendAt replaces cron…). */
export type ScheduleChange = Partial<ScheduleInput>;

export interface ScheduleServiceDeps {
  models: Models;
  Run: ScheduleRunModel;
  clock: Clock;
  /** TIMEZONE: the zone of schedules that name none. */
  timezone: string;
  missedGraceMs: number;
  hasTemplate(name: string): boolean;
}

const RECENT_RUNS = 20;
const EDITABLE: ScheduleStatus[] = ['active', 'paused'];

export class ScheduleService {
  private readonly listeners: ((schedule: string) => void)[] = [];

  constructor(private readonly d: ScheduleServiceDeps) {}

  /** Called after every change, so this instance's scheduler picks it up at once. */
  onChange(listener: (schedule: string) => void): void {
    this.listeners.push(listener);
  }

  async create(input: ScheduleInput): Promise<ScheduleView> {
    const fields = {
      name: input.name ?? null,
      ...recipientFields(input.to),
      from: input.from ?? null,
      body: input.body ?? null,
      template: input.template ?? null,
      vars: input.vars ?? {},
      sendAt: input.sendAt ?? null,
      cron: input.cron === undefined ? null : normalizeCron(input.cron),
      timezone: input.timezone ?? this.d.timezone,
      enabled: input.enabled ?? true,
    };
    this.check(fields, { sendAtChanged: true });
    const created = await this.d.models.Schedule.create({
      ...fields,
      status: fields.enabled ? 'active' : 'paused',
      nextRunAt: this.nextRunAt({ ...fields, status: fields.enabled ? 'active' : 'paused' }),
      source: 'api',
      revision: 0,
    });
    this.changed(String(created._id));
    return this.view(created.toObject() as ScheduleDoc);
  }

  async list(
    filter: { status?: ScheduleStatus },
    page: number,
    limit: number,
  ): Promise<Page<ScheduleView>> {
    const query = filter.status === undefined ? {} : { status: String(filter.status) };
    const [items, total] = await Promise.all([
      this.d.models.Schedule.find(query)
        .sort({ createdAt: -1, _id: -1 })
        .skip((page - 1) * limit)
        .limit(limit)
        .lean<ScheduleDoc[]>(),
      this.d.models.Schedule.countDocuments(query),
    ]);
    return { items: items.map((s) => this.view(s)), page, limit, total };
  }

  async get(id: string): Promise<ScheduleDetail> {
    const schedule = await this.find(id);
    const runs = await this.d.Run.find({ schedule: schedule._id })
      .sort({ fireAt: -1 })
      .limit(RECENT_RUNS)
      .lean<ScheduleRunDoc[]>();
    const counts = await this.messageCounts(schedule._id, runs);
    const upcoming = this.upcoming(schedule, 5);
    return {
      ...this.view(schedule),
      upcoming,
      runs: runs.map((r) => toRunView(r, counts.get(r.fireAt.getTime()) ?? {})),
    };
  }

  async update(id: string, change: ScheduleChange): Promise<ScheduleView> {
    const current = await this.find(id);
    if (!EDITABLE.includes(current.status as ScheduleStatus)) {
      throw new ScheduleNotEditableError(current.status);
    }
    const set: Record<string, unknown> = {};
    if (change.name !== undefined) set.name = change.name;
    if (change.to !== undefined) Object.assign(set, recipientFields(change.to));
    if (change.from !== undefined) set.from = change.from;
    if (change.body !== undefined)
      Object.assign(set, { body: change.body, template: null, vars: {} });
    if (change.template !== undefined)
      Object.assign(set, { template: change.template, body: null, vars: change.vars ?? {} });
    else if (change.vars !== undefined) {
      if (!current.template || change.body !== undefined) {
        throw new ValidationError('vars: vars go with a template', [
          { field: 'vars', message: 'vars go with template' },
        ]);
      }
      set.vars = change.vars;
    }
    if (change.sendAt !== undefined) Object.assign(set, { sendAt: change.sendAt, cron: null });
    if (change.cron !== undefined)
      Object.assign(set, { cron: normalizeCron(change.cron), sendAt: null });
    if (change.timezone !== undefined) set.timezone = change.timezone;
    if (change.enabled !== undefined) set.enabled = change.enabled;

    const next = { ...current, ...set } as ScheduleDoc;
    this.check(next, {
      sendAtChanged: change.sendAt !== undefined || (change.enabled === true && !current.enabled),
    });
    set.status = next.enabled ? 'active' : 'paused';
    set.nextRunAt = this.nextRunAt({ ...next, status: set.status as ScheduleStatus });
    // Only if nobody changed or claimed it since we read it (a one-off may be claimed any moment).
    const updated = await this.d.models.Schedule.findOneAndUpdate(
      { _id: current._id, revision: current.revision, status: String(current.status) },
      { $set: set, $inc: { revision: 1 } },
      { new: true },
    ).lean<ScheduleDoc>();
    if (!updated) {
      throw new ConflictError(
        'The schedule was changed or started sending meanwhile; read it again',
        'schedule_changed',
      );
    }
    this.changed(id);
    return this.view(updated);
  }

  /** Cancels: no further fires; a fan-out under way stops before its next recipients. Idempotent. */
  async cancel(id: string): Promise<ScheduleView> {
    const current = await this.find(id);
    const canceled = await this.d.models.Schedule.findOneAndUpdate(
      { _id: current._id, status: { $in: ['active', 'paused', 'running'] } },
      { $set: { status: 'canceled', enabled: false, nextRunAt: null }, $inc: { revision: 1 } },
      { new: true },
    ).lean<ScheduleDoc>();
    if (canceled) {
      this.changed(id);
      return this.view(canceled);
    }
    const now = await this.find(id);
    if (now.status === 'canceled') return this.view(now);
    throw new ScheduleNotEditableError(now.status);
  }

  /**
   * The API's view, from the document alone. A recurring schedule's stored next fire is behind
   * the clock when no instance ran at that time (the slot was skipped): then its cron says.
   */
  private view(s: ScheduleDoc): ScheduleView {
    const stored = toScheduleView(s);
    if (!s.cron || !stored.nextRunAt || stored.nextRunAt > this.d.clock.now()) return stored;
    return { ...stored, nextRunAt: this.upcoming(s, 1)[0] ?? null };
  }

  /** One-off: its sendAt (what the claim polls on). Recurring: its next fire while active. */
  private nextRunAt(s: Pick<ScheduleDoc, 'sendAt' | 'cron' | 'timezone' | 'status'>): Date | null {
    if (!s.cron) return s.sendAt ?? null;
    return this.upcoming(s, 1)[0] ?? null;
  }

  /** An active recurring schedule's next `count` fires; none for the rest. */
  private upcoming(s: Pick<ScheduleDoc, 'cron' | 'timezone' | 'status'>, count: number): Date[] {
    return s.cron && s.status === 'active'
      ? upcomingRuns(s.cron, s.timezone, count, this.d.clock.now())
      : [];
  }

  private async find(id: string): Promise<ScheduleDoc> {
    const schedule = await this.d.models.Schedule.findById(String(id)).lean<ScheduleDoc>();
    if (!schedule) throw new NotFoundError(`No schedule ${id}`, 'schedule_not_found');
    return schedule;
  }

  /** Checks what the edge cannot: the template exists, a one-off is not already hopelessly late. */
  private check(
    s: Pick<ScheduleDoc, 'template' | 'sendAt' | 'cron' | 'enabled'>,
    o: { sendAtChanged: boolean },
  ): void {
    if (s.template && !this.d.hasTemplate(s.template)) {
      throw new UnknownTemplateError(s.template);
    }
    if (s.sendAt && !s.cron && s.enabled && o.sendAtChanged) {
      const lateMs = this.d.clock.now().getTime() - s.sendAt.getTime();
      if (lateMs > this.d.missedGraceMs) {
        throw new ValidationError(
          'sendAt: more than MISSED_GRACE in the past; it would only be marked missed',
          [{ field: 'sendAt', message: 'too far in the past' }],
        );
      }
    }
  }

  private async messageCounts(
    schedule: Types.ObjectId,
    runs: ScheduleRunDoc[],
  ): Promise<Map<number, Record<string, number>>> {
    const byFire = new Map<number, Record<string, number>>();
    if (runs.length === 0) return byFire;
    const rows = await this.d.models.Message.aggregate<{
      _id: { fireAt: Date; status: string };
      n: number;
    }>([
      { $match: { schedule, fireAt: { $in: runs.map((r) => r.fireAt) } } },
      { $group: { _id: { fireAt: '$fireAt', status: '$status' }, n: { $sum: 1 } } },
    ]);
    for (const row of rows) {
      const key = new Date(row._id.fireAt).getTime();
      const counts = byFire.get(key) ?? {};
      counts[row._id.status] = row.n;
      byFire.set(key, counts);
    }
    return byFire;
  }

  private changed(schedule: string): void {
    for (const listener of this.listeners) listener(schedule);
  }
}

function recipientFields(to: RecipientsInput): { to: string[]; tag: string | null } {
  if (typeof to === 'string') return { to: [to], tag: null };
  if (Array.isArray(to)) return { to: [...new Set(to)], tag: null };
  return { to: [], tag: to.tag };
}
