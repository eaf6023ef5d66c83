import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalStageSummary, lintDockerfile, parseDockerfile } from '../lint/dockerfile.js';

const repo = join(import.meta.dirname, '..', '..');
const docker = join(repo, 'infra', 'docker');
const read = (name: string) => readFileSync(join(docker, name), 'utf8');

describe.each(['api.Dockerfile', 'app.Dockerfile'])('infra/docker/%s', (name) => {
  it('passes the lint: multi-stage, COPY --from earlier stages, non-root, HEALTHCHECK, exec-form CMD', () => {
    expect(lintDockerfile(read(name))).toEqual([]);
  });

  it('copies only paths that exist in the repository', () => {
    for (const stage of parseDockerfile(read(name)).stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' && !i.flags.from)) {
        const sources = copy.args.split(/\s+/).slice(0, -1);
        for (const source of sources)
          expect(existsSync(join(repo, source)), `${name}: COPY ${source}`).toBe(true);
      }
    }
  });

  it('copies every workspace manifest before installing, so npm ci sees the whole workspace', () => {
    const { workspaces } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const text = read(name);
    for (const workspace of workspaces)
      expect(text).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });
});

describe('infra/docker/api.Dockerfile', () => {
  it('runs the bundle as the unprivileged node user on the contract port', () => {
    const summary = finalStageSummary(read('api.Dockerfile'));
    expect(summary.user).toBe('node');
    expect(summary.expose).toEqual([8787]);
    expect(summary.env).toEqual(expect.arrayContaining(['HOST', 'PORT', 'DATABASE_URL', 'ANALYTICS_SEED']));
    const final = parseDockerfile(read('api.Dockerfile')).stages.at(-1)!;
    expect(final.instructions.find((i) => i.keyword === 'CMD')!.exec).toEqual([
      'node',
      '--enable-source-maps',
      'server/dist/server.mjs',
    ]);
  });

  it('ships the widgets bundle where the server looks for it (/sdk/analytics.js)', () => {
    const file = parseDockerfile(read('api.Dockerfile'));
    const build = file.stages.find((s) => s.name === 'build')!;
    expect(build.instructions.map((i) => i.args)).toContain('npm run build -w widgets');
    const runtime = file.stages.at(-1)!;
    expect(runtime.instructions.map((i) => i.args)).toContain('/app/widgets/dist ./widgets/dist');
    // The server has no default for ANALYTICS_SDK_DIR (unset, /sdk/* answers 404): the image names the
    // directory the bundle is copied to (WORKDIR /app).
    const env = runtime.instructions
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/(?:^|\s)ANALYTICS_SDK_DIR=\/app\/widgets\/dist(?:\s|$)/);
    expect(readFileSync(join(repo, 'server', 'src', 'config.ts'), 'utf8')).toContain('ANALYTICS_SDK_DIR');
  });

  it('builds the bundle the runtime stage starts', () => {
    const build = parseDockerfile(read('api.Dockerfile')).stages.find((s) => s.name === 'build')!;
    expect(build.instructions.map((i) => i.args)).toContain(
      'node infra/docker/build-api.mjs server/dist/server.mjs',
    );
  });
});

describe('infra/docker/app.Dockerfile', () => {
  it('builds Next.js in standalone output and starts its server.js on port 3000', () => {
    const file = parseDockerfile(read('app.Dockerfile'));
    const build = file.stages.find((s) => s.name === 'build')!;
    expect(build.instructions.some((i) => i.keyword === 'ENV' && i.args === 'NEXT_OUTPUT=standalone')).toBe(
      true,
    );
    const nextConfig = readFileSync(join(repo, 'demo-next', 'next.config.ts'), 'utf8');
    expect(nextConfig).toMatch(/NEXT_OUTPUT === 'standalone' \? 'standalone'/);
    const summary = finalStageSummary(read('app.Dockerfile'));
    expect(summary.expose).toEqual([3000]);
    expect(summary.user).toBe('node');
    expect(summary.env).toContain('ANALYTICS_API_URL');
    expect(file.stages.at(-1)!.instructions.find((i) => i.keyword === 'CMD')!.exec).toEqual([
      'node',
      'demo-next/server.js',
    ]);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, build output, databases and secrets out of the build context', () => {
    const patterns = readFileSync(join(repo, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/.next', '**/dist', '**/.env', '**/*.db', '.git']) {
      expect(patterns).toContain(pattern);
    }
  });
});

describe('lintDockerfile()', () => {
  const good = [
    '# syntax=docker/dockerfile:1.7',
    'FROM node:20-slim AS build',
    'RUN echo built > /out',
    'FROM node:20-slim',
    'COPY --from=build /out /out',
    'USER node',
    'HEALTHCHECK --interval=10s CMD ["node", "-e", "process.exit(0)"]',
    'CMD ["node", "server.js"]',
  ];
  const lint = (lines: string[]) => lintDockerfile(lines.join('\n')).map((f) => f.message);

  it('accepts a file that follows every rule', () => {
    expect(lint(good)).toEqual([]);
  });

  it('rejects a single-stage build', () => {
    expect(lint(good.filter((_, i) => i !== 1 && i !== 2 && i !== 4))).toContain('not a multi-stage build');
  });

  it('rejects COPY --from a stage defined later, or not at all', () => {
    const later = [
      good[0]!,
      'FROM node:20-slim AS a',
      'COPY --from=b /x /x',
      'FROM node:20-slim AS b',
      ...good.slice(5),
    ];
    expect(lint(later)).toContain('COPY --from=b does not name an earlier stage');
    expect(lint(good.map((l) => l.replace('--from=build', '--from=biuld')))).toContain(
      'COPY --from=biuld does not name an earlier stage',
    );
  });

  it('rejects a final stage that runs as root or names no user', () => {
    expect(lint(good.map((l) => (l === 'USER node' ? 'USER root' : l)))).toContain(
      'the final stage runs as root',
    );
    expect(lint(good.filter((l) => l !== 'USER node'))).toContain(
      'the final stage has no USER, so it runs as root',
    );
  });

  it('rejects a final stage without a HEALTHCHECK', () => {
    expect(lint(good.filter((l) => !l.startsWith('HEALTHCHECK')))).toContain(
      'the final stage has no HEALTHCHECK',
    );
  });

  it('rejects a shell-form CMD, which keeps SIGTERM from the server', () => {
    expect(lint(good.map((l) => (l.startsWith('CMD') ? 'CMD node server.js' : l)))).toContain(
      'CMD in shell form: signals go to /bin/sh, not the server',
    );
  });

  it('rejects unpinned base images', () => {
    expect(lint(good.map((l) => l.replace('FROM node:20-slim AS build', 'FROM node AS build')))).toContain(
      'base image node has no pinned tag',
    );
  });

  it('reports syntax errors with their line', () => {
    const [finding] = lintDockerfile(['FROM node:20-slim AS a', 'RUNN echo'].join('\n'));
    expect(finding).toEqual({ line: 2, message: 'line 2: unknown instruction RUNN' });
    expect(lint(['FROM node:20-slim', 'CMD ["node", ']).at(0)).toMatch(/exec form is not a valid JSON array/);
  });

  it('joins continuation lines and skips comments inside them', () => {
    const file = parseDockerfile(['FROM node:20-slim', 'RUN a \\', '  # note', '  && b'].join('\n'));
    expect(file.stages[0]!.instructions[0]!.args).toBe('a && b');
  });
});

/** A dev token as the contract describes it (HS256 over the secret's UTF-8 bytes), signed by hand. */
function hs256(secret: string, claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

// The runtime stage's layout, rebuilt without a Docker engine: the bundle at server/dist/server.mjs with
// node_modules and sample_data beside it, started exactly as the image's CMD starts it.
describe('the API bundle the image runs', () => {
  const image = join(repo, 'infra', 'test-output', 'api-image');
  const secret = 'an-image-test-secret-that-is-long-enough-0123456789';
  let child: ChildProcess | undefined;
  let url = '';
  /** A token the bundle accepts, valid for five minutes. */
  const apiToken = (org: string, role: string, scope: string) => {
    const now = Math.floor(Date.now() / 1000);
    return hs256(secret, {
      sub: 'usr_001',
      org_id: org,
      role,
      scope,
      iss: 'acme-analytics',
      aud: 'analytics-api',
      iat: now,
      exp: now + 300,
      jti: randomUUID(),
    });
  };

  beforeAll(async () => {
    rmSync(image, { recursive: true, force: true });
    mkdirSync(join(image, 'server'), { recursive: true });
    execFileSync('node', [join(docker, 'build-api.mjs'), join(image, 'server', 'dist', 'server.mjs')], {
      cwd: repo,
      stdio: 'pipe',
    });
    symlinkSync(join(repo, 'node_modules'), join(image, 'node_modules'));
    cpSync(join(repo, 'sample_data'), join(image, 'sample_data'), { recursive: true });

    child = spawn(process.execPath, ['--enable-source-maps', 'server/dist/server.mjs'], {
      cwd: image,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: `sqlite:${join(image, 'analytics.db')}`,
        ANALYTICS_JWT_SECRET: secret,
        ANALYTICS_SEED: 'sample',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    url = await new Promise<string>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr.join('')}`)));
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) resolve(entry.url);
      });
    });
  });

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(image, { recursive: true, force: true });
  });

  // The migration jobs run `node server/dist/migrate.mjs` in this image.
  it('bundles the migrate command the migration jobs run beside the server', () => {
    expect(existsSync(join(image, 'server', 'dist', 'migrate.mjs'))).toBe(true);
  });

  it('answers /health and /ready', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
  });

  it('stores events through the writer thread, whose entry is bundled beside the server', async () => {
    expect(existsSync(join(image, 'server', 'dist', 'sqlite-writer.mjs'))).toBe(true);
    const token = apiToken('org_image', 'admin', 'events:write events:read');
    const ids = [randomUUID(), randomUUID()];
    const posted = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: ids.map((event_id) => ({ event_id, event_type: 'image_check' })) }),
    });
    expect(posted.status).toBe(202);
    const listed = await fetch(`${url}/api/v1/events?limit=10`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await listed.json()) as { data: { event_id: string }[] };
    expect(body.data.map((e) => e.event_id).sort()).toEqual([...ids].sort());
  });

  it('finds sample_data where the image puts it and seeds it', async () => {
    const token = apiToken('org_acme', 'viewer', 'events:read metrics:read');
    const response = await fetch(`${url}/api/v1/event-types`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { event_type: string; count: number }[] };
    const total = body.data.reduce((sum, row) => sum + row.count, 0);
    const expected = readFileSync(join(repo, 'sample_data', 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .filter((line) => (JSON.parse(line) as { org_id: string }).org_id === 'org_acme').length;
    expect(total).toBe(expected);
  });

  it('serves the ReDoc bundle it resolves from its dependencies at run time', async () => {
    expect((await fetch(`${url}/redoc`)).status).toBe(200);
  });

  it('exits 0 on SIGTERM after closing', async () => {
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
