// Schedule request/response schemas: the single source for validating the schedule API and documenting it.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { SCHEDULE_STATUSES } from '../db/models/schedule';
import { RUN_STATUSES } from '../db/models/scheduleRun';
import { isE164 } from '../outbound/messages';
import { cronProblem, isValidTimezone } from '../scheduler/cronSpec';
import type { OpenApiAdd, OpenApiHelpers } from './openapi';
import { IdParam, PageQuery } from './schemas';

extendZodWithOpenApi(z);

const Phone = z
  .string()
  .refine(isE164, 'must be a valid E.164 phone number such as +14155550123')
  .openapi({ example: '+14155550123' });

const Recipients = z
  .union([
    Phone,
    z
      .array(Phone)
      .min(1, 'give at least one number')
      .max(1000, 'at most 1000 numbers; use a tag for more'),
    z.object({ tag: z.string().trim().min(1).max(100) }).strict(),
  ])
  .openapi({
    description:
      'One E.164 number, a list of them, or `{tag}`: every contact whose thread has the tag when the schedule fires',
    example: ['+14155550123', '+14155550124'],
  });

/** Plain values only: nothing here can become a query operator. */
const Vars = z
  .record(
    z.string().regex(/^[A-Za-z_][\w-]*$/, 'variable names are letters, digits, _ and -'),
    z.union([z.string(), z.number(), z.boolean(), z.null()]),
  )
  .openapi({ example: { offer: '2 for 1' } });

const Sender = z
  .string()
  .regex(
    /^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/,
    'must be an E.164 number or a Messaging Service SID (MG…)',
  );

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
  .refine(isValidTimezone, 'must be an IANA time zone such as America/New_York')
  .openapi({ example: 'America/New_York' });

const fields = {
  name: z.string().trim().min(1).max(200).nullable().optional(),
  to: Recipients,
  from: Sender.nullable().optional(),
  body: z.string().min(1, 'must not be empty').max(1600, 'at most 1600 characters').optional(),
  template: z.string().min(1).max(200).optional(),
  vars: Vars.optional(),
  sendAt: SendAt.optional(),
  cron: Cron.optional(),
  timezone: Timezone.optional(),
  enabled: z.boolean().optional(),
};

export const ScheduleCreateRequest = z
  .object(fields)
  .strict()
  .refine((v) => (v.body === undefined) !== (v.template === undefined), {
    message: 'give exactly one of body and template',
    path: ['body'],
  })
  .refine((v) => v.vars === undefined || v.template !== undefined, {
    message: 'vars go with template',
    path: ['vars'],
  })
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

export const ScheduleIdParam = IdParam;

const DateTime = z.string().datetime();

export const Schedule = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    to: z.union([z.array(z.string()), z.object({ tag: z.string() })]),
    from: z.string().nullable(),
    body: z.string().nullable(),
    template: z.string().nullable(),
    vars: z.record(z.string(), z.unknown()),
    sendAt: DateTime.nullable(),
    cron: z.string().nullable(),
    timezone: z.string(),
    enabled: z.boolean(),
    status: z.enum(SCHEDULE_STATUSES),
    nextRunAt: DateTime.nullable().openapi({
      description: 'One-off: its sendAt. Recurring: the next fire',
    }),
    lastRunAt: DateTime.nullable(),
    source: z.enum(['api', 'rule']),
    rule: z.string().nullable(),
    revision: z.number().int().openapi({ description: 'Incremented on every change' }),
    createdAt: DateTime,
    updatedAt: DateTime,
  })
  .openapi('Schedule');

export const ScheduleRun = z
  .object({
    fireAt: DateTime,
    status: z.enum(RUN_STATUSES),
    owner: z.string().openapi({ description: 'The instance that sends (or sent) this fire' }),
    startedAt: DateTime,
    finishedAt: DateTime.nullable(),
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
  upcoming: z.array(DateTime).openapi({ description: 'Recurring: the next five fire times' }),
  runs: z.array(ScheduleRun).openapi({ description: 'The 20 most recent fires, newest first' }),
}).openapi('ScheduleDetail');

export const SchedulePage = z
  .object({
    items: z.array(Schedule),
    page: z.number().int(),
    limit: z.number().int(),
    total: z.number().int(),
  })
  .openapi('SchedulePage');

export function scheduleOpenApiPaths(
  add: OpenApiAdd,
  { admin, json, error, adminErrors }: OpenApiHelpers,
): void {
  const body = { content: { 'application/json': { schema: ScheduleCreateRequest } } };
  add('post', '/api/schedules', {
    summary: 'Schedule a message: once (sendAt) or recurring (cron)',
    tags: ['schedules'],
    security: admin,
    request: { body },
    responses: { 201: json(Schedule, 'Created'), ...adminErrors },
  });
  add('get', '/api/schedules', {
    summary: 'Schedules, newest first',
    tags: ['schedules'],
    security: admin,
    request: { query: ScheduleListQuery },
    responses: { 200: json(SchedulePage, 'A page of schedules'), ...adminErrors },
  });
  add('get', '/api/schedules/{id}', {
    summary: 'A schedule with its upcoming and recent fires',
    tags: ['schedules'],
    security: admin,
    request: { params: ScheduleIdParam },
    responses: {
      200: json(ScheduleDetail, 'The schedule'),
      ...adminErrors,
      404: error('No such schedule'),
    },
  });
  add('patch', '/api/schedules/{id}', {
    summary: 'Change, enable or disable a schedule',
    tags: ['schedules'],
    security: admin,
    description:
      'Given fields replace the stored ones: `body` replaces `template`, `sendAt` replaces `cron` and vice versa. `enabled: false` pauses it.',
    request: {
      params: ScheduleIdParam,
      body: { content: { 'application/json': { schema: ScheduleUpdateRequest } } },
    },
    responses: {
      200: json(Schedule, 'Changed'),
      ...adminErrors,
      404: error('No such schedule'),
      409: error('The schedule is sending, finished or canceled, or was changed meanwhile'),
    },
  });
  add('delete', '/api/schedules/{id}', {
    summary: 'Cancel a schedule',
    tags: ['schedules'],
    security: admin,
    description:
      'No further fires; a fan-out under way stops before its next recipients. Canceling twice is fine.',
    request: { params: ScheduleIdParam },
    responses: {
      200: json(Schedule, 'Canceled'),
      ...adminErrors,
      404: error('No such schedule'),
      409: error('The schedule already finished (done, missed or failed)'),
    },
  });
}
