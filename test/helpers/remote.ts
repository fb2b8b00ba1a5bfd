/**
 * Helpers for the remote-backend tests: `rmbench serve` as a real subprocess on loopback, the CLI
 * run asynchronously (so a server and several runs overlap), and a small fake engine in-process for
 * the faults no real server produces on demand. Everything binds 127.0.0.1 and stops by itself:
 * every wait has a time limit, and the children are killed when it passes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLI, ROOT, TEST_CACHE, type CliResult } from './cli.js';

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGTERM (or the given signal), then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `rmbench serve <dir> --port 0 ...` and resolves with its URL once it listens. */
export function startServe(dir: string, args: readonly string[] = [], timeoutMs = 30_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', dir, '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
  children.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => (children.delete(child), done())));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rmbench serve ${dir} did not start in ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          port: Number(m[2]),
          child,
          async stop(signal: NodeJS.Signals = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(killer);
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rmbench serve exited (${code}) before listening: ${err}`));
    });
  });
}

/** Runs the built CLI without blocking the test's event loop (a fake engine in the test can answer). */
export function rmbenchAsync(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0', RMBENCH_CACHE_DIR: TEST_CACHE, ...env } });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

export interface FakeEngine {
  url: string;
  /** Requests received, as "METHOD /path". */
  hits: string[];
  close(): Promise<void>;
}

export type FakeHandler = (req: IncomingMessage & { body: unknown }, res: ServerResponse) => void | Promise<void>;

/**
 * A stand-in for an engine we cannot install here (vLLM, TEI, Triton), for faults: slow answers,
 * malformed bodies, wrong shapes, errors. It only ever listens on 127.0.0.1.
 */
export async function fakeEngine(handler: FakeHandler): Promise<FakeEngine> {
  const hits: string[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    hits.push(`${req.method} ${req.url}`);
    try {
      await handler(Object.assign(req, { body: text ? (JSON.parse(text) as unknown) : undefined }), res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(599).end(String(err));
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' }).end(text);
}

/** Forwards a request to a real server and returns its status and JSON body. */
export async function forward(base: string, req: IncomingMessage & { body: unknown }): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${base}${req.url}`, {
    method: req.method,
    headers: { 'content-type': 'application/json' },
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
  });
  return { status: r.status, body: (await r.json()) as unknown };
}
