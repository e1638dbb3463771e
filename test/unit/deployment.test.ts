// The Docker files cannot run here (no engine): check what can be checked without one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

/** Every environment variable config.ts reads: schema keys and `env.NAME` look-ups. */
function variablesReadByConfig(): string[] {
  const source = read('src/config.ts');
  const names = new Set<string>();
  for (const m of source.matchAll(/^\s{4}([A-Z][A-Z0-9_]+):/gm)) names.add(m[1]);
  for (const m of source.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]);
  return [...names].sort();
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<
      string,
      {
        image?: string;
        build?: unknown;
        volumes?: string[];
        healthcheck?: unknown;
        env_file?: unknown;
        environment?: Record<string, string | number>;
        ports?: string[];
        depends_on?: unknown;
      }
    >;
    volumes: Record<string, unknown>;
  };

  it('runs the app and mongo:7 with a health check and a named volume', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'mongo']);
    expect(compose.services.mongo.image).toBe('mongo:7');
    // The app waits for `service_healthy`, so the check must really ask MongoDB for a ping.
    const healthcheck = compose.services.mongo.healthcheck as { test?: unknown; disable?: boolean };
    expect(healthcheck.disable).not.toBe(true);
    expect([healthcheck.test].flat().join(' ')).toMatch(
      /^CMD(-SHELL)? mongosh .*adminCommand\('ping'\)/,
    );
    expect(compose.services.mongo.volumes).toContain('mongo-data:/data/db');
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['mongo-data']));
  });

  it('mounts rules/ and templates/ into the app so edits reload live, and reads .env', () => {
    const volumes = compose.services.app.volumes ?? [];
    expect(volumes).toEqual(
      expect.arrayContaining(['./rules:/app/rules:ro', './templates:/app/templates:ro']),
    );
    expect(JSON.stringify(compose.services.app.env_file)).toContain('.env');
    expect(compose.services.app.environment?.MONGODB_URI).toBe('mongodb://mongo:27017/replybot');
    expect(compose.services.app.depends_on).toEqual({ mongo: { condition: 'service_healthy' } });
  });

  it('runs the app in production on port 3000 whatever .env says, and publishes that port', () => {
    const app = compose.services.app;
    // `environment:` wins over `env_file:`, so a development .env cannot change these.
    expect(app.environment?.NODE_ENV).toBe('production');
    expect(String(app.environment?.PORT)).toBe('3000');
    expect(app.ports).toHaveLength(1);
    const [, hostPort, containerPort] = /^(.+):(\d+)$/.exec(app.ports![0]) ?? [];
    expect(containerPort).toBe('3000');
    expect(hostPort).toBe('${PORT:-3000}'); // the host side follows PORT, 3000 by default
  });

  it('keeps the app data and the database in declared named volumes', () => {
    expect(compose.services.app.volumes).toContain('app-data:/app/data');
    expect(compose.services.app.environment?.DATA_DIR).toBe('/app/data');
    const named = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(':')[0])
      .filter((source) => !source.startsWith('.') && !source.startsWith('/'));
    expect(named.sort()).toEqual(['app-data', 'mongo-data']);
    expect(Object.keys(compose.volumes).sort()).toEqual(named.sort());
  });
});

describe('.env.example', () => {
  it('sets no NODE_ENV, so copying it to .env cannot push Docker out of production', () => {
    expect(read('.env.example')).not.toMatch(/^NODE_ENV=/m);
  });
});

describe('CI', () => {
  it.each(['.ci/run', '.github/workflows/ci.yml'])(
    '%s type-checks (sources and tests), lints and tests',
    (file) => {
      const text = read(file);
      for (const script of ['typecheck', 'lint']) expect(text).toContain(`npm run ${script}`);
      expect(text).toContain('npm test');
      expect(pkg.scripts.typecheck).toBe('tsc -p tsconfig.json --noEmit');
    },
  );
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('is multi-stage, installs production dependencies only and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('checks /health and runs what npm start runs', () => {
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(`[${cmd}]`).join(' ')).toBe(pkg.scripts.start);
  });

  it('only runs npm scripts that exist', () => {
    for (const m of dockerfile.matchAll(/npm run (\S+)/g)) expect(pkg.scripts).toHaveProperty(m[1]);
  });

  it('copies every folder the runtime needs', () => {
    for (const dir of ['dist', 'bin', 'rules', 'templates'])
      expect(dockerfile).toContain(`./${dir}`);
    expect(pkg.bin.replybot).toBe('bin/replybot.js');
  });
});

describe('documented configuration', () => {
  const variables = variablesReadByConfig();

  it('finds the variables config.ts reads', () => {
    expect(variables).toEqual(
      expect.arrayContaining(['PORT', 'MONGODB_URI', 'TWILIO_AUTH_TOKEN', 'ADMIN_USERS']),
    );
  });

  it.each(['.env.example', 'README.md'])('%s names every variable config.ts reads', (file) => {
    const text = read(file);
    const missing = variables.filter((name) => !new RegExp(`\\b${name}\\b`).test(text));
    expect(missing).toEqual([]);
  });
});
