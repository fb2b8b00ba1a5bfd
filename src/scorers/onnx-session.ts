/**
 * @file ONNX Runtime sessions with a device choice. onnxruntime-node does not fall back by itself
 * (a missing CUDA provider throws), so an unavailable device is retried on CPU with a warning.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';

export const DEVICES = ['cpu', 'cuda', 'webgpu', 'tensorrt', 'dml', 'coreml'] as const;
export type Device = (typeof DEVICES)[number];

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

export function parseDevice(value: string): Device {
  if ((DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new UserError(`unknown device "${value}" (expected one of: ${DEVICES.join(', ')})`);
}

async function create(path: string, device: Device, threads?: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  });
}

export async function openSession(path: string, options: SessionOptions): Promise<OpenedSession> {
  if (options.device !== 'cpu') {
    try {
      return { session: await create(path, options.device, options.threads), device: options.device };
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      options.onWarning?.(`device "${options.device}" is unavailable (${reason}); running on cpu instead`);
    }
  }
  try {
    return { session: await create(path, 'cpu', options.threads), device: 'cpu' };
  } catch (err) {
    throw new UserError(`${path}: ONNX Runtime cannot load this model (${(err as Error).message.split('\n')[0]})`);
  }
}
