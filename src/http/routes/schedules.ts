// Admin API for schedules: POST/GET /api/schedules, GET/PATCH/DELETE /api/schedules/:id.
import { Router } from 'express';
import type { ScheduleService } from '../../scheduler/service';
import { requireJson } from '../middleware/requireJson';
import {
  ScheduleCreateRequest,
  ScheduleIdParam,
  ScheduleListQuery,
  ScheduleUpdateRequest,
} from '../scheduleSchemas';
import { parseInput } from '../validate';

export function scheduleRoutes(schedules: ScheduleService): Router {
  const router = Router();

  router.post('/api/schedules', requireJson, async (req, res) => {
    const input = parseInput(ScheduleCreateRequest, req.body);
    res.status(201).json(await schedules.create(input));
  });

  router.get('/api/schedules', async (req, res) => {
    const q = parseInput(ScheduleListQuery, req.query, 'query');
    res.json(await schedules.list({ status: q.status }, q.page, q.limit));
  });

  router.get('/api/schedules/:id', async (req, res) => {
    const { id } = parseInput(ScheduleIdParam, req.params, 'schedule id');
    res.json(await schedules.get(id));
  });

  router.patch('/api/schedules/:id', requireJson, async (req, res) => {
    const { id } = parseInput(ScheduleIdParam, req.params, 'schedule id');
    const change = parseInput(ScheduleUpdateRequest, req.body);
    res.json(await schedules.update(id, change));
  });

  router.delete('/api/schedules/:id', async (req, res) => {
    const { id } = parseInput(ScheduleIdParam, req.params, 'schedule id');
    res.json(await schedules.cancel(id));
  });

  return router;
}
