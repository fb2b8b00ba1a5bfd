/** @file `rmbench serve`: a local model folder over the KServe v2, vLLM-style and TEI-style protocols. */
import { InvalidArgumentError, type Command } from 'commander';
import { UserError } from '../errors.js';
import { positiveInt, warn } from './shared.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port 0..65535, got "${value}"`);
  return n;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve a local model folder over HTTP: KServe v2 (/v2/models/NAME/infer), vLLM-style (/pooling, /v1/models) and TEI-style (/predict, /info)')
    .argument('<model>', 'model folder')
    .option('-p, --port <n>', 'port; 0 picks a free one (printed)', port, 8000)
    .option('--host <address>', 'address to bind (anything but loopback exposes the model, without authentication)', '127.0.0.1')
    .option('--name <name>', 'model name clients use (default: the folder name)')
    .option('--device <name>', 'execution provider: cpu, cuda, ... (falls back to cpu)', 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', positiveInt)
    .option('--token-budget <n>', 'padded tokens per ONNX Runtime batch on the text routes', positiveInt)
    .action(async (model: string, o) => {
      const [{ startServer }, { parseDevice }] = await Promise.all([import('../serve/server.js'), import('../scorers/devices.js')]);
      if (!LOOPBACK.has(o.host)) warn(`listening on ${o.host}: anyone who can reach it can use the model (rmbench serve has no authentication)`);
      let server;
      try {
        server = await startServer(model, { host: o.host, port: o.port, name: o.name, device: parseDevice(o.device), threads: o.threads, tokenBudget: o.tokenBudget, onWarning: warn });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'EADDRINUSE') throw new UserError(`port ${o.port} on ${o.host} is in use (--port 0 picks a free one)`);
        if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new UserError(`cannot listen on ${o.host}:${o.port} (${code})`);
        throw err;
      }
      const name = encodeURIComponent(server.name);
      const kind = server.model.folder.rmbench.scorer;
      console.log(`rmbench serve: ${server.name} (${kind}) on ${server.url}`);
      console.log(`  KServe v2: ${server.url}/v2/models/${name}/infer   -> rmbench run kserve+${server.url}/${name} --tokenizer ${server.model.folder.path}`);
      if (server.model.textOutput !== null) {
        console.log(`  vLLM:      ${server.url}/pooling, /classify, /v1/models -> rmbench run vllm+${server.url}/${name}`);
        console.log(`  TEI:       ${server.url}/predict, /info                -> rmbench run tei+${server.url}`);
      } else {
        console.log(`  (the vLLM and TEI routes answer 400: a ${kind} model needs KServe)`);
      }
      // Serve until told to stop.
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
    });
}
