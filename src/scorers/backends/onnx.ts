/**
 * @file The local backend: a model folder's ONNX graph run by onnxruntime-node on this machine
 * (cpu, or a GPU execution provider that falls back to cpu), through the graph machinery of graph.ts.
 */
import { hashModelFiles, type ModelFolder } from '../model-folder.js';
import { openSession } from '../onnx-session.js';
import type { ScorerOptions } from '../options.js';
import { loadTextSetup } from '../text-setup.js';
import type { BackendContext } from '../types.js';
import { batchPolicyConfig, DEFAULT_TOKEN_BUDGET, GraphBackend } from './graph.js';

/** Opens a model folder's graph (read with the weight variant options.dtype picks). */
export async function openOnnxBackend(folder: ModelFolder, options: ScorerOptions, context: BackendContext): Promise<GraphBackend> {
  const text = await loadTextSetup(folder);
  const tokenizer = text.tokenizer;
  if (tokenizer.padTokenSource !== 'pad_token') {
    context.onWarning?.(`${folder.name}: tokenizer has no pad_token; padding with ${tokenizer.padTokenSource} (id ${tokenizer.padTokenId}); the attention mask hides it`);
  }
  const requested = options.device ?? 'cpu';
  // Hashing runs while the session loads; a failed hash still releases the session.
  const hashing = hashModelFiles(folder);
  hashing.catch(() => {});
  const { session, device } = await openSession(folder.onnxPath, { device: requested, threads: options.threads, onWarning: context.onWarning });
  const batchPolicy = options.batchSize ? { kind: 'fixed' as const, size: options.batchSize } : { kind: 'token_budget' as const, tokenBudget: options.tokenBudget ?? DEFAULT_TOKEN_BUDGET };
  try {
    const sha256 = await hashing;
    return new GraphBackend(folder, text, session, {
      engine: 'onnx',
      batchPolicy,
      concurrency: 1,
      identity: sha256,
      device,
      info: { model: folder.name, path: folder.path, sha256 },
      configBefore: { onnx_file: folder.onnxFile, dtype: folder.dtype },
      configAfter: { device, requested_device: requested, threads: options.threads ?? null, batch_policy: batchPolicyConfig(batchPolicy), cache: context.cacheDir ? 'on' : 'off' },
      onWarning: context.onWarning,
    });
  } catch (err) {
    await session.release();
    throw err;
  }
}
