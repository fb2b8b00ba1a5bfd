/**
 * @file The physical limit the benchmarks compare against (npm run bench, scripts/bench-dpo.ts): a
 * model's dense FLOPs per token counted from its ONNX graph, and this machine's float32 MatMul rate
 * through onnxruntime-node, measured in the same process as the run it bounds.
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/onnx/graph.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Dense FLOPs per token: 2*K*N for every MatMul/Gemm whose second input is a [K, N] initializer. */
export function denseFlopsPerToken(onnxPath: string): { flops: number; matmuls: number } {
  const m = onnxProto.onnx.ModelProto.decode(readFileSync(onnxPath));
  const dims = new Map(m.graph!.initializer!.map((t) => [t.name!, (t.dims as number[]).map(Number)]));
  let flops = 0;
  let matmuls = 0;
  for (const node of m.graph!.node!) {
    if (node.opType !== 'MatMul' && node.opType !== 'Gemm') continue;
    const w = dims.get(node.input![1]!);
    if (!w || w.length !== 2) continue;
    flops += 2 * w[0]! * w[1]!;
    matmuls++;
  }
  return { flops, matmuls };
}

/** float32 GFLOP/s of one 2048^3 MatMul through onnxruntime-node (median of 5 after a warm-up). */
export async function matmulRate(threads?: number): Promise<number> {
  const n = 2048;
  const g = new GraphBuilder('matmul');
  g.input('a', 'float32', [n, n]);
  g.input('b', 'float32', [n, n]);
  g.node('MatMul', ['a', 'b'], {}, ['c']);
  g.output('c', 'float32', [n, n]);
  const session = await ort.InferenceSession.create(g.build().model, threads ? { intraOpNumThreads: threads } : {});
  const data = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000);
  const feeds = { a: new ort.Tensor('float32', data, [n, n]), b: new ort.Tensor('float32', data, [n, n]) };
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  await session.release();
  return (2 * n ** 3) / (median(times) / 1000) / 1e9;
}
