// What our FerretDB patches promise (src/db/ferretdb-patches), proved against the built binary
// the test run uses. The same assertions hold on MongoDB (`MONGODB_URI=… npm test`): only the
// query plan is read differently there.
import type { Connection } from 'mongoose';
import { openTestDatabase } from '../support/db';

type Plan = Record<string, unknown>;

/** The fields the tests below store (string ids, as ReplyBot's derived ids). */
interface TestDoc {
  _id: string;
  n?: number;
  sid?: string;
  status?: string;
  owner?: string | null;
  state?: string;
  tag?: unknown;
  active?: unknown;
}

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let connection: Connection;

beforeAll(async () => {
  db = await openTestDatabase('embedded');
  connection = db.connection;
});

afterAll(async () => {
  await db.drop();
});

function collection(name: string) {
  return connection.db!.collection<TestDoc>(name);
}

async function isFerretdb(): Promise<boolean> {
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info || /ferretdb/i.test(JSON.stringify(info));
}

/** Whether the plan answers the filter from an index rather than by reading every document. */
async function usesIndex(name: string, filter: Record<string, unknown>): Promise<string> {
  const explained = (await collection(name).find(filter).explain()) as {
    queryPlanner: Plan;
  };
  const plan = JSON.stringify(explained.queryPlanner);
  if (await isFerretdb()) {
    // FerretDB answers with SQLite's EXPLAIN QUERY PLAN rows.
    return /USING INDEX/.test(plan) && !/detail=SCAN/.test(plan) ? 'index' : `scan: ${plan}`;
  }
  return /COLLSCAN/.test(plan) ? `scan: ${plan}` : 'index';
}

async function seed(name: string, count: number): Promise<void> {
  const docs = Array.from({ length: count }, (_, i) => ({
    _id: `doc-${i}`,
    sid: `SM${i}`,
    status: i % 2 ? 'scheduled' : 'done',
    n: 0,
  }));
  for (let i = 0; i < docs.length; i += 1000)
    await collection(name).insertMany(docs.slice(i, i + 1000));
  await collection(name).createIndex({ sid: 1 });
}

describe('the _id index (patch 0001)', () => {
  beforeAll(async () => {
    await seed('small', 100);
    await seed('large', 20_000);
  }, 120_000);

  it('answers a find by _id from the index, alone or with other fields', async () => {
    expect(await usesIndex('large', { _id: 'doc-19999' })).toBe('index');
    expect(await usesIndex('large', { _id: 'doc-19999', status: 'scheduled' })).toBe('index');
    expect(await usesIndex('large', { _id: { $in: ['doc-1', 'doc-2'] } })).toBe('index');
  });

  it('costs the same for an update by _id at 20,000 documents as at 100, within a factor of 10', async () => {
    // Interleaved, so a busy machine slows both sides alike; medians, so one stall does not count.
    const times: Record<'small' | 'large', number[]> = { small: [], large: [] };
    for (let i = 0; i < 40; i++) {
      for (const name of ['small', 'large'] as const) {
        const id = `doc-${(i * 37) % 100}`;
        const started = process.hrtime.bigint();
        const result = await collection(name).updateOne({ _id: id }, { $inc: { n: 1 } });
        times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(result.modifiedCount).toBe(1);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Stock FerretDB v1.24.2 read the whole table: ~100× slower at 20,000 than at 100.
    expect(median(times.large)).toBeLessThan(10 * median(times.small) + 2);
  });
});

describe('atomic read-modify-write (patch 0002)', () => {
  it('ends 200 concurrent $inc on one document at 200', async () => {
    await collection('counters').insertOne({ _id: 'c', n: 0 });
    await Promise.all(
      Array.from({ length: 200 }, () =>
        collection('counters').updateOne({ _id: 'c' }, { $inc: { n: 1 } }),
      ),
    );
    expect(await collection('counters').findOne({ _id: 'c' })).toMatchObject({ n: 200 });
  });

  it('gives 20 concurrent conditional findOneAndUpdate calls exactly one winner, 10 times over', async () => {
    const winners: number[] = [];
    for (let trial = 0; trial < 10; trial++) {
      const id = `claim-${trial}`;
      await collection('claims').insertOne({ _id: id, owner: null });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          collection('claims').findOneAndUpdate(
            { _id: id, owner: null },
            { $set: { owner: `instance-${i}` } },
          ),
        ),
      );
      winners.push(results.filter((r) => r !== null).length);
    }
    expect(winners).toEqual(Array(10).fill(1));
  });

  it('deletes a document once when 20 conditional deletes race', async () => {
    await collection('deletes').insertOne({ _id: 'd', state: 'open' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        collection('deletes').findOneAndDelete({ _id: 'd', state: 'open' }),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });
});

describe('equality pushdown on indexed fields (patch 0003)', () => {
  beforeAll(async () => {
    const people = collection('people');
    await people.createIndex({ tag: 1 });
    await people.createIndex({ active: 1 });
    await people.insertMany([
      { _id: 'p1', tag: 'vip', active: true },
      { _id: 'p2', tag: ['new', 'vip'], active: false },
      { _id: 'p3', tag: 'a<b>&"café"\\ ☕', active: true },
      { _id: 'p4', tag: ['vipp', 'Vip'], active: true },
      { _id: 'p5', active: true },
      { _id: 'p6', tag: { vip: 1 }, active: 'true' },
    ]);
  });

  const ids = async (filter: Record<string, unknown>) =>
    (await collection('people').find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);

  it('keeps MongoDB semantics: a value matches an array holding it, and only the exact value', async () => {
    expect(await ids({ tag: 'vip' })).toEqual(['p1', 'p2']);
    expect(await ids({ tag: { $in: ['new', 'nobody'] } })).toEqual(['p2']);
    expect(await ids({ tag: 'a<b>&"café"\\ ☕' })).toEqual(['p3']);
    expect(await ids({ active: true })).toEqual(['p1', 'p3', 'p4', 'p5']);
    expect(await ids({ active: false, tag: 'vip' })).toEqual(['p2']);
    expect(await ids({ _id: 'p2', tag: 'new' })).toEqual(['p2']);
    expect(await ids({ _id: 'p1', tag: 'new' })).toEqual([]);
  });

  it('answers a find by an indexed string field from its index', async () => {
    expect(await usesIndex('large', { sid: 'SM12345' })).toBe('index');
    expect(await collection('large').countDocuments({ sid: 'SM12345' })).toBe(1);
  });
});
