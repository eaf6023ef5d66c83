// A Dockerfile parser and the handful of rules we hold our images to, for a machine without a Docker
// engine. It follows the reference's grammar closely enough for our files: parser directives, comments,
// backslash continuations, JSON (exec) and shell forms, `FROM image AS name`, `--flag=value` options.
// Heredocs are reported as unsupported rather than misread.

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** `--name=value` options before the arguments (`COPY --from=build`, `HEALTHCHECK --interval=30s`). */
  flags: Record<string, string>;
  /** The rest of the line, continuations joined. */
  args: string;
  /** The arguments of an exec-form instruction (`CMD ["node", "x"]`), or null for shell form. */
  exec: string[] | null;
  line: number;
}

export interface Stage {
  index: number;
  image: string;
  name: string | null;
  line: number;
  instructions: Instruction[];
}

export interface Dockerfile {
  directives: Record<string, string>;
  /** ARGs declared before the first FROM (usable in FROM lines). */
  globalArgs: string[];
  stages: Stage[];
}

export interface DockerFinding {
  line: number;
  message: string;
}

const KEYWORDS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

export class DockerfileSyntaxError extends Error {
  override name = 'DockerfileSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

function parseExec(args: string, line: number): string[] | null {
  if (!args.startsWith('[')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    // Docker falls back to shell form on invalid JSON, which is almost never what the author meant.
    throw new DockerfileSyntaxError(line, `exec form is not a valid JSON array: ${args}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new DockerfileSyntaxError(line, 'exec form must be a JSON array of strings');
  }
  return parsed;
}

function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (;;) {
    const match = /^--([a-z][a-z-]*)(?:=(\S*))?\s*/.exec(args);
    if (!match) break;
    flags[match[1]!] = match[2] ?? 'true';
    args = args.slice(match[0].length);
  }
  return { flags, args };
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  const directives: Record<string, string> = {};
  const globalArgs: string[] = [];
  const stages: Stage[] = [];
  let inDirectives = true;

  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (inDirectives) {
      const directive = /^#\s*([a-z]+)\s*=\s*(.+)$/.exec(trimmed);
      if (directive) {
        directives[directive[1]!.toLowerCase()] = directive[2]!.trim();
        continue;
      }
      inDirectives = false;
    }
    if (trimmed === '' || trimmed.startsWith('#')) continue;

    // Join continuations; comment lines inside a continued instruction are dropped, as Docker does.
    let logical = raw.trimEnd();
    while (logical.endsWith('\\')) {
      logical = logical.slice(0, -1).trimEnd();
      i++;
      if (i >= lines.length)
        throw new DockerfileSyntaxError(startLine, 'line continuation runs past the end of the file');
      const next = lines[i]!;
      if (next.trim().startsWith('#')) {
        logical += '\\';
        continue;
      }
      logical += ` ${next.trim()}`;
    }

    const match = /^\s*([A-Za-z]+)(?:\s+(.*))?$/.exec(logical);
    if (!match) throw new DockerfileSyntaxError(startLine, `cannot read instruction: ${logical.trim()}`);
    const keyword = match[1]!.toUpperCase();
    if (!KEYWORDS.has(keyword)) throw new DockerfileSyntaxError(startLine, `unknown instruction ${keyword}`);
    const rest = (match[2] ?? '').trim();
    if (
      rest.includes('<<') &&
      /<<-?\s*["']?[A-Za-z_]+/.test(rest) &&
      (keyword === 'RUN' || keyword === 'COPY')
    ) {
      throw new DockerfileSyntaxError(startLine, 'heredocs are not supported by this linter');
    }
    if (rest === '' && keyword !== 'HEALTHCHECK') {
      throw new DockerfileSyntaxError(startLine, `${keyword} needs arguments`);
    }
    const { flags, args } = splitFlags(rest);
    const instruction: Instruction = {
      keyword,
      flags,
      args,
      exec: ['CMD', 'ENTRYPOINT', 'RUN', 'SHELL'].includes(keyword) ? parseExec(args, startLine) : null,
      line: startLine,
    };

    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+[Aa][Ss]\s+([A-Za-z][A-Za-z0-9_.-]*))?$/.exec(args);
      if (!from) throw new DockerfileSyntaxError(startLine, `FROM must be "image [AS name]": ${args}`);
      stages.push({
        index: stages.length,
        image: from[1]!,
        name: from[2]?.toLowerCase() ?? null,
        line: startLine,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword !== 'ARG') throw new DockerfileSyntaxError(startLine, `${keyword} before the first FROM`);
      globalArgs.push(args.split('=')[0]!);
      continue;
    }
    if (keyword === 'HEALTHCHECK' && rest !== 'NONE') {
      const { args: healthArgs } = splitFlags(rest);
      const cmd = /^CMD\s+(.*)$/.exec(healthArgs);
      if (!cmd)
        throw new DockerfileSyntaxError(
          startLine,
          'HEALTHCHECK must be "HEALTHCHECK [options] CMD ..." or NONE',
        );
      instruction.exec = parseExec(cmd[1]!.trim(), startLine);
    }
    stage.instructions.push(instruction);
  }
  if (stages.length === 0) throw new DockerfileSyntaxError(1, 'no FROM instruction');
  return { directives, globalArgs, stages };
}

const ROOT_USERS = new Set(['root', '0', '0:0', 'root:root']);

/**
 * Our rules for a production image: a multi-stage build, every `COPY --from` naming an earlier stage,
 * a final stage that runs as a non-root user, has a HEALTHCHECK and starts in exec form (so the process
 * is PID 1 and receives SIGTERM for a graceful shutdown).
 */
export function lintDockerfile(text: string): DockerFinding[] {
  let file: Dockerfile;
  try {
    file = parseDockerfile(text);
  } catch (error) {
    if (error instanceof DockerfileSyntaxError) return [{ line: error.line, message: error.message }];
    throw error;
  }
  const findings: DockerFinding[] = [];
  const { stages } = file;
  if (stages.length < 2) findings.push({ line: 1, message: 'not a multi-stage build' });

  const seen = new Set<string>();
  for (const stage of stages) {
    if (stage.name && seen.has(stage.name))
      findings.push({ line: stage.line, message: `stage ${stage.name} is defined twice` });
    // A stage may build FROM an earlier one; anything else must be a pinned image, never :latest.
    if (
      !seen.has(stage.image.toLowerCase()) &&
      /:latest$|^[^:@]+$/.test(stage.image) &&
      !stage.image.includes('$')
    ) {
      findings.push({ line: stage.line, message: `base image ${stage.image} has no pinned tag` });
    }
    for (const instruction of stage.instructions) {
      const from = instruction.flags.from;
      if (instruction.keyword === 'COPY' && from !== undefined) {
        const earlier = /^\d+$/.test(from) ? Number(from) < stage.index : seen.has(from.toLowerCase());
        if (!earlier) {
          findings.push({
            line: instruction.line,
            message: `COPY --from=${from} does not name an earlier stage`,
          });
        }
      }
      if (instruction.keyword === 'ADD' && /^https?:/.test(instruction.args)) {
        findings.push({
          line: instruction.line,
          message: 'ADD of a URL: download in a RUN step with a checksum instead',
        });
      }
    }
    if (stage.name) seen.add(stage.name);
  }

  const final = stages.at(-1)!;
  const users = final.instructions.filter((i) => i.keyword === 'USER');
  const lastUser = users.at(-1);
  if (!lastUser)
    findings.push({ line: final.line, message: 'the final stage has no USER, so it runs as root' });
  else if (ROOT_USERS.has(lastUser.args.trim())) {
    findings.push({ line: lastUser.line, message: `the final stage runs as ${lastUser.args.trim()}` });
  }
  const health = final.instructions.filter((i) => i.keyword === 'HEALTHCHECK');
  if (health.length === 0 || health.at(-1)!.args === 'NONE') {
    findings.push({ line: final.line, message: 'the final stage has no HEALTHCHECK' });
  }
  const start = final.instructions.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').at(-1);
  if (!start) findings.push({ line: final.line, message: 'the final stage has no CMD or ENTRYPOINT' });
  else if (!start.exec) {
    findings.push({
      line: start.line,
      message: `${start.keyword} in shell form: signals go to /bin/sh, not the server`,
    });
  }
  return findings;
}

/** The final stage's `ENV` names, and the ports it EXPOSEs, for cross-checks against the contract. */
export function finalStageSummary(text: string): { env: string[]; expose: number[]; user: string | null } {
  const final = parseDockerfile(text).stages.at(-1)!;
  const env: string[] = [];
  const expose: number[] = [];
  for (const instruction of final.instructions) {
    if (instruction.keyword === 'ENV') {
      for (const match of instruction.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g))
        env.push(match[1]!);
    }
    if (instruction.keyword === 'EXPOSE') {
      for (const port of instruction.args.split(/\s+/)) expose.push(Number.parseInt(port, 10));
    }
  }
  const user =
    final.instructions
      .filter((i) => i.keyword === 'USER')
      .at(-1)
      ?.args.trim() ?? null;
  return { env, expose, user };
}
