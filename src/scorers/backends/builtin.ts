/**
 * @file The built-in backend of the baselines: outputs computed from the response text alone, no
 * model. Its one output, "length", is the number of characters (Unicode code points, as Python's
 * len) of the response.
 */
import { codePointLength } from '../../code-points.js';
import { LENGTH_OUTPUT, singleResponse, type Backend, type BatchResult, type OutputRequest, type ScoreInput } from '../types.js';

export class BuiltinBackend implements Backend<string> {
  readonly engine = 'builtin';
  readonly where: string;
  readonly concurrency = 1;

  constructor(readonly info: Backend['info']) {
    this.where = info.model;
  }

  outputName(configured: string): string {
    return configured;
  }

  hasOutput(name: string): boolean {
    return name === LENGTH_OUTPUT;
  }

  async prepare(outputs: OutputRequest): Promise<string[]> {
    return outputs.required.filter((name) => name === LENGTH_OUTPUT);
  }

  textKey(input: ScoreInput): string {
    return singleResponse(input, this.where).response;
  }

  encode(_input: ScoreInput, response: string): string {
    return response;
  }

  unitKey(response: string): string {
    return response;
  }

  plan(responses: readonly string[]): number[][] {
    return responses.length ? [responses.map((_, i) => i)] : [];
  }

  async runBatch(responses: readonly string[]): Promise<BatchResult> {
    return { rows: responses.map((r) => ({ [LENGTH_OUTPUT]: Float32Array.of(codePointLength(r)) })), realTokens: 0, paddedTokens: 0, inferenceMs: 0 };
  }

  async dispose(): Promise<void> {}
}
