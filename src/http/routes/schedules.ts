// The schedules API: a message once (sendAt) or recurring (cron), to numbers or a tag; list, read
// with its fires, change, cancel. Its schemas and operations.
import { z } from 'zod';
import { SCHEDULE_STATUSES } from '../../db/models/schedule';
import { RUN_STATUSES } from '../../db/models/scheduleRun';
import { cronProblem } from '../../scheduler/cronSpec';
import type { ScheduleService } from '../../scheduler/service';
import { isValidTimeZone } from '../../timeZone';
import {
  IdParam,
  MessageBody,
  PageQuery,
  Recipient,
  Sender,
  Timestamp,
  Vars,
  bodyXorTemplate,
  pageOf,
} from '../fields';
import { operation } from '../operation';

const Recipients = z
  .union([
    Recipient,
    z
      .array(Recipient)
      .min(1, 'give at least one number')
      .max(1000, 'at most 1000 numbers; use a tag for more'),
    z.object({ tag: z.string().trim().min(1).max(100) }).strict(),
  ])
  .openapi({
    description:
      'One E.164 number, a list of them, or `{tag}`: every contact whose thread has the tag when the schedule fires',
    example: ['+14155550123', '+14155550124'],
  });

const SendAt = z
  .string()
  .pipe(
    z.iso.datetime({
      offset: true,
      message:
        'must be an ISO-8601 date-time with a UTC offset or Z, such as 2025-05-01T09:00:00+02:00',
    }),
  )
  .transform((v) => new Date(v))
  .openapi({ type: 'string', format: 'date-time', example: '2025-05-01T09:00:00+02:00' });

const Cron = z
  .string()
  .max(200)
  .superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({
    description:
      'node-cron syntax: 5 fields (minute hour day month weekday) or 6 with seconds first, in `timezone`',
    example: '0 9 * * mon-fri',
  });

const Timezone = z
  .string()
  .max(100)
  .refine(isValidTimeZone, 'must be an IANA time zone such as America/New_York')
  .openapi({ example: 'America/New_York' });

const fields = {
  name: z.string().trim().min(1).max(200).nullable().optional(),
  to: Recipients,
  from: Sender.nullable().optional(),
  body: MessageBody.min(1, 'must not be empty').optional(),
  template: z.string().min(1).max(200).optional(),
  vars: Vars.openapi({ example: { offer: '2 for 1' } }).optional(),
  sendAt: SendAt.optional(),
  cron: Cron.optional(),
  timezone: Timezone.optional(),
  enabled: z.boolean().optional(),
};

export const ScheduleCreateRequest = bodyXorTemplate(z.object(fields).strict())
  .refine((v) => (v.sendAt === undefined) !== (v.cron === undefined), {
    message: 'give exactly one of sendAt (once) and cron (recurring)',
    path: ['sendAt'],
  })
  .openapi('ScheduleCreateRequest');

export const ScheduleUpdateRequest = z
  .object({ ...fields, to: Recipients.optional() })
  .strict()
  .refine((v) => v.body === undefined || v.template === undefined, {
    message: 'give body or template, not both',
    path: ['body'],
  })
  .refine((v) => v.body === undefined || v.vars === undefined, {
    message: 'vars go with template',
    path: ['vars'],
  })
  .refine((v) => v.sendAt === undefined || v.cron === undefined, {
    message: 'give sendAt or cron, not both',
    path: ['sendAt'],
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change', path: [] })
  .openapi('ScheduleUpdateRequest');

export const ScheduleListQuery = PageQuery.extend({
  status: z.enum(SCHEDULE_STATUSES).optional(),
}).strict();

export const Schedule = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    to: z.union([z.array(z.string()), z.object({ tag: z.string() })]),
    from: z.string().nullable(),
    body: z.string().nullable(),
    template: z.string().nullable(),
    vars: z.record(z.string(), z.unknown()),
    sendAt: Timestamp.nullable(),
    cron: z.string().nullable(),
    timezone: z.string(),
    enabled: z.boolean(),
    status: z.enum(SCHEDULE_STATUSES),
    nextRunAt: Timestamp.nullable().openapi({
      description: 'One-off: its sendAt. Recurring: the next fire',
    }),
    lastRunAt: Timestamp.nullable(),
    source: z.enum(['api', 'rule']),
    rule: z.string().nullable(),
    revision: z.number().int().openapi({ description: 'Incremented on every change' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Schedule');

export const ScheduleRun = z
  .object({
    fireAt: Timestamp,
    status: z.enum(RUN_STATUSES),
    owner: z.string().openapi({ description: 'The instance that sends (or sent) this fire' }),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    takeovers: z
      .number()
      .int()
      .openapi({ description: 'How often another instance resumed it after its owner stopped' }),
    error: z.string().nullable(),
    messages: z.record(z.string(), z.number().int()).openapi({
      description:
        'Send records by status; `skipped`: opted out; `unknown`: the sending instance died during the Twilio call',
      example: { queued: 120, skipped: 3, unknown: 1 },
    }),
  })
  .openapi('ScheduleRun');

export const ScheduleDetail = Schedule.extend({
  upcoming: z.array(Timestamp).openapi({ description: 'Recurring: the next five fire times' }),
  runs: z.array(ScheduleRun).openapi({ description: 'The 20 most recent fires, newest first' }),
}).openapi('ScheduleDetail');

export const SchedulePage = pageOf(Schedule, 'SchedulePage');

const op = operation<ScheduleService>();

export const scheduleOperations = [
  op({
    method: 'post',
    path: '/api/schedules',
    auth: 'admin',
    tag: 'schedules',
    summary: 'Schedule a message: once (sendAt) or recurring (cron)',
    body: {
      type: 'application/json',
      schema: ScheduleCreateRequest,
      example: {
        name: 'Weekday specials',
        to: { tag: 'vip' },
        template: 'offer',
        vars: { offer: '2 for 1' },
        cron: '0 9 * * mon-fri',
        timezone: 'America/New_York',
      },
    },
    responses: { 201: { description: 'Created', schema: Schedule } },
    errors: ['unknown_template'],
    handle: ({ body }, schedules) => schedules.create(body),
  }),
  op({
    method: 'get',
    path: '/api/schedules',
    auth: 'admin',
    tag: 'schedules',
    summary: 'Schedules, newest first',
    query: ScheduleListQuery,
    responses: { 200: { description: 'A page of schedules', schema: SchedulePage } },
    handle: ({ query }, schedules) =>
      schedules.list({ status: query.status }, query.page, query.limit),
  }),
  op({
    method: 'get',
    path: '/api/schedules/{id}',
    auth: 'admin',
    tag: 'schedules',
    summary: 'A schedule with its upcoming and recent fires',
    params: IdParam,
    responses: { 200: { description: 'The schedule', schema: ScheduleDetail } },
    errors: ['schedule_not_found'],
    handle: ({ params }, schedules) => schedules.get(params.id),
  }),
  op({
    method: 'patch',
    path: '/api/schedules/{id}',
    auth: 'admin',
    tag: 'schedules',
    summary: 'Change, enable or disable a schedule',
    description:
      'Given fields replace the stored ones: `body` replaces `template`, `sendAt` replaces `cron` and vice versa. `enabled: false` pauses it.',
    params: IdParam,
    body: {
      type: 'application/json',
      schema: ScheduleUpdateRequest,
      example: { enabled: false },
    },
    responses: { 200: { description: 'Changed', schema: Schedule } },
    errors: ['schedule_not_found', 'unknown_template', 'schedule_not_editable', 'schedule_changed'],
    handle: ({ params, body }, schedules) => schedules.update(params.id, body),
  }),
  op({
    method: 'delete',
    path: '/api/schedules/{id}',
    auth: 'admin',
    tag: 'schedules',
    summary: 'Cancel a schedule',
    description:
      'No further fires; a fan-out under way stops before its next recipients. Canceling twice is fine.',
    params: IdParam,
    responses: { 200: { description: 'Canceled', schema: Schedule } },
    errors: ['schedule_not_found', 'schedule_not_editable'],
    handle: ({ params }, schedules) => schedules.cancel(params.id),
  }),
];
