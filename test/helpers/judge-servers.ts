/** @file Scripted judge servers for a test file, closed after its tests (vitest only: judge-suite.ts stays importable by scripts). */
import { afterAll } from 'vitest';
import { judgeReply } from './judge-suite.js';
import { openAiServer, type OpenAiServer } from './openai-server.js';

/** Scripted judge servers (vLLM flavour, serving judge/model-1, answering with judgeReply), all closed after the file's tests. */
export function judgeServers(): () => Promise<OpenAiServer> {
  const servers: OpenAiServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  return async () => {
    const server = await openAiServer({ flavour: 'vllm', models: ['judge/model-1'], reply: judgeReply });
    servers.push(server);
    return server;
  };
}
