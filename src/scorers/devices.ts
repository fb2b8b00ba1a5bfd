/** @file The execution providers a local model can ask for (without loading ONNX Runtime to name them). */
import { UserError } from '../errors.js';

export const DEVICES = ['cpu', 'cuda', 'webgpu', 'tensorrt', 'dml', 'coreml'] as const;
export type Device = (typeof DEVICES)[number];

export function parseDevice(value: string): Device {
  if ((DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new UserError(`unknown device "${value}" (expected one of: ${DEVICES.join(', ')})`);
}
