// The schedule API with the scheduler off: schedules are stored, listed, changed and canceled;
// bad input is a 400 naming the field. (SCHEDULER=off: the routes exist, nothing is sent here.)
import request from 'supertest';
import { ManualClock } from '../../../src/clock';
import { startFakeTwilio, type FakeTwilio } from '../../support/fakeTwilio';
import { startTestServer, type TestServer } from '../../support/server';
import { admin, twilioEnv } from './helpers';

const NOW = new Date('2030-03-01T12:00:00Z');

describe('schedule API', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  let api: ReturnType<typeof admin>;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    fake = await startFakeTwilio();
    server = await startTestServer(
      { ...twilioEnv(fake.url, fake), SCHEDULER: 'off', TIMEZONE: 'America/New_York' },
      { clock, label: 'sched_api' },
    );
    api = admin(server.url);
  });
  afterAll(async () => {
    await server.stop();
    await fake.close();
  });

  it('POST creates a one-off: 201 with the stored schedule', async () => {
    const res = await api
      .post('/api/schedules', {
        name: 'Reminder',
        to: '+14155550101',
        body: 'See you at 5',
        sendAt: '2030-03-01T17:00:00-05:00',
      })
      .expect(201);
    expect(res.body).toMatchObject({
      name: 'Reminder',
      to: ['+14155550101'],
      body: 'See you at 5',
      template: null,
      sendAt: '2030-03-01T22:00:00.000Z',
      nextRunAt: '2030-03-01T22:00:00.000Z',
      cron: null,
      timezone: 'America/New_York', // TIMEZONE is the default zone
      enabled: true,
      status: 'active',
      source: 'api',
      revision: 0,
    });
    expect(res.body.id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('POST creates a recurring schedule to a tag, with a template, in its own zone', async () => {
    const res = await api
      .post('/api/schedules', {
        to: { tag: 'vip' },
        template: 'hours',
        vars: { offer: 'x' },
        cron: '0  9 * * mon-fri',
        timezone: 'Europe/Berlin',
      })
      .expect(201);
    expect(res.body).toMatchObject({
      to: { tag: 'vip' },
      template: 'hours',
      vars: { offer: 'x' },
      cron: '0 9 * * mon-fri',
      timezone: 'Europe/Berlin',
      sendAt: null,
      // The server's clock says Friday 2030-03-01 13:00 in Berlin (CET, UTC+1 until 31 March):
      // the next weekday 09:00 there is Monday's.
      nextRunAt: '2030-03-04T08:00:00.000Z',
    });
  });

  it.each([
    [{ to: '+14155550101', body: 'Hi' }, 'sendAt', 'validation_failed'],
    [{ to: '12345', body: 'Hi', cron: '0 9 * * *' }, 'to', 'validation_failed'],
    [{ to: '+14155550101', body: 'Hi', cron: '0 9 * *' }, 'cron', 'validation_failed'],
    [
      { to: '+14155550101', body: 'Hi', cron: '0 9 * * *', timezone: 'Nowhere/City' },
      'timezone',
      'validation_failed',
    ],
    [
      { to: '+14155550101', template: 'no-such-template', cron: '0 9 * * *' },
      'template',
      'unknown_template',
    ],
    [
      { to: '+14155550101', body: 'Hi', sendAt: '2030-03-01T09:00:00Z' },
      'sendAt',
      'validation_failed',
    ], // 3 h ago > MISSED_GRACE
  ])('POST %j → 400 naming %s', async (body, field, code) => {
    const res = await api.post('/api/schedules', body).expect(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.details[0].field).toBe(field);
  });

  it('a bad cron is a 400 whose message names the field, the value and its range', async () => {
    const res = await api
      .post('/api/schedules', { to: '+14155550101', body: 'Hi', cron: '61 * * * *' })
      .expect(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({
        field: 'cron',
        message: 'cron "61 * * * *": minute 61 is out of range 0–59',
      }),
    ]);
  });

  it('401 without credentials, 415 for a non-JSON body', async () => {
    await request(server.url).post('/api/schedules').send({}).expect(401);
    await request(server.url)
      .post('/api/schedules')
      .auth('ops', 'correct-horse-battery')
      .type('form')
      .send('to=%2B14155550101')
      .expect(415);
  });

  it('GET lists newest first, pages, and filters by status', async () => {
    const all = await api.get('/api/schedules?limit=1').expect(200);
    expect(all.body).toMatchObject({ page: 1, limit: 1, total: 2 });
    expect(all.body.items[0].to).toEqual({ tag: 'vip' });
    const second = await api.get('/api/schedules?limit=1&page=2').expect(200);
    expect(second.body.items[0].to).toEqual(['+14155550101']);
    const paused = await api.get('/api/schedules?status=paused').expect(200);
    expect(paused.body.total).toBe(0);
    const bad = await api.get('/api/schedules?status=sleeping').expect(400);
    expect(bad.body.error.details[0].field).toBe('status');
  });

  it('GET /:id gives the schedule, its next fire times and its recent runs', async () => {
    const created = await api
      .post('/api/schedules', { to: ['+14155550101'], body: 'Daily', cron: '0 9 * * *' })
      .expect(201);
    const res = await api.get(`/api/schedules/${created.body.id}`).expect(200);
    expect(res.body.runs).toEqual([]);
    expect(res.body.upcoming).toHaveLength(5);
    for (const at of res.body.upcoming) {
      // 09:00 in New York, whatever the offset of that day.
      const local = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      }).format(new Date(at));
      expect(local).toBe('09:00');
    }
    await api.get('/api/schedules/0123456789abcdef01234567').expect(404);
    const bad = await api.get('/api/schedules/nope').expect(400);
    expect(bad.body.error.details[0].field).toBe('id');
  });

  it('PATCH disables, enables and changes; each change increments revision', async () => {
    const created = await api
      .post('/api/schedules', { to: '+14155550102', body: 'Weekly', cron: '0 9 * * 1' })
      .expect(201);
    const route = `/api/schedules/${created.body.id}`;
    const off = await api.patch(route, { enabled: false }).expect(200);
    expect(off.body).toMatchObject({
      enabled: false,
      status: 'paused',
      nextRunAt: null,
      revision: 1,
    });
    const on = await api
      .patch(route, { enabled: true, cron: '30 8 * * *', name: 'Daily now' })
      .expect(200);
    expect(on.body).toMatchObject({
      enabled: true,
      status: 'active',
      cron: '30 8 * * *',
      name: 'Daily now',
      revision: 2,
    });
    const once = await api
      .patch(route, { sendAt: '2030-03-02T09:00:00Z', template: 'hours' })
      .expect(200);
    expect(once.body).toMatchObject({
      cron: null,
      sendAt: '2030-03-02T09:00:00.000Z',
      nextRunAt: '2030-03-02T09:00:00.000Z',
      template: 'hours',
      body: null,
    });
    const bad = await api.patch(route, { vars: { a: 1 }, body: 'x' }).expect(400);
    expect(bad.body.error.details[0].field).toBe('vars');
  });

  it('DELETE cancels (twice is fine); a canceled schedule can no longer be changed', async () => {
    const created = await api
      .post('/api/schedules', { to: '+14155550103', body: 'Bye', sendAt: '2030-03-01T13:00:00Z' })
      .expect(201);
    const route = `/api/schedules/${created.body.id}`;
    const canceled = await api.delete(route).expect(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', enabled: false });
    await api.delete(route).expect(200);
    const res = await api.patch(route, { body: 'changed' }).expect(409);
    expect(res.body.error.code).toBe('schedule_not_editable');
    await api.delete('/api/schedules/0123456789abcdef01234567').expect(404);
  });

  it('the OpenAPI document describes every schedule route', async () => {
    const doc = (await request(server.url).get('/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths['/api/schedules']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/schedules/{id}']).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(doc.components.schemas).toHaveProperty('ScheduleCreateRequest');
    expect(doc.components.schemas).toHaveProperty('ScheduleDetail');
  });
});
