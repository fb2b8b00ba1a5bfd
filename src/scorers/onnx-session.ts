/**
 * @file ONNX Runtime sessions with a device choice. onnxruntime-node does not fall back by itself
 * (a missing CUDA provider throws), so an unavailable device is retried on CPU with a warning.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';

import type { Device } from './devices.js';

export interface SessionOptions {
  device: Device;
  /** intra-op threads (default: ONNX Runtime's choice, the physical core count). */
  threads?: number;
  onWarning?: (message: string) => void;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  /** The device the session actually runs on. */
  device: Device;
}

/** ONNX Runtime session options beyond the device and threads (e.g. where external data lives). */
export type ExtraSessionOptions = ort.InferenceSession.SessionOptions['extra'];

async function create(model: string | Uint8Array, device: Device, threads?: number, extra?: ExtraSessionOptions): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    ...(extra ? { extra } : {}),
  };
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

/**
 * A session on the requested device, else on cpu with a warning. `model` is the .onnx path, or the
 * model's bytes with `path` naming it in errors (a graph rmbench extended in memory).
 */
export async function openSession(path: string, options: SessionOptions & { model?: Uint8Array; extra?: ExtraSessionOptions }): Promise<OpenedSession> {
  const model = options.model ?? path;
  if (options.device !== 'cpu') {
    try {
      return { session: await create(model, options.device, options.threads, options.extra), device: options.device };
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      options.onWarning?.(`device "${options.device}" is unavailable (${reason}); running on cpu instead`);
    }
  }
  try {
    return { session: await create(model, 'cpu', options.threads, options.extra), device: 'cpu' };
  } catch (err) {
    throw new UserError(`${path}: ONNX Runtime cannot load this model (${(err as Error).message.split('\n')[0]})`);
  }
}
