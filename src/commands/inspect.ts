/** @file `rmbench inspect <model>`: what rmbench would do with a model folder, its problems (exit 1 if any) and warnings (handled fallbacks; exit 0). */
import type { Command } from 'commander';
import { ValidationError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('check a model folder: scorer kind, inputs/outputs, text format, BOS, padding, pad token, dtype variants; exit 1 on problems (warnings of handled fallbacks do not fail)')
    .argument('<model>', 'model folder')
    .option('--dtype <dtype>', 'weight variant: fp32 (onnx/model.onnx), fp16 (model_fp16.onnx), q8 (model_quantized.onnx)', 'fp32')
    .option('--device <name>', 'execution provider to load the graph with', 'cpu')
    .option('--no-probe', 'skip the padding probe (a few tiny forward passes)')
    .option('--json', 'print the inspection as JSON')
    .action(async (model: string, o) => {
      const [{ inspectModel, renderInspection }, { parseDtype }, { parseDevice }] = await Promise.all([
        import('../scorers/inspect.js'),
        import('../scorers/model-folder.js'),
        import('../scorers/devices.js'),
      ]);
      const inspection = await inspectModel(model, { dtype: parseDtype(o.dtype), device: parseDevice(o.device), probe: o.probe });
      console.log(o.json ? JSON.stringify(inspection, null, 2) : renderInspection(inspection).join('\n'));
      if (inspection.problems.length) throw new ValidationError(inspection.path, inspection.problems);
    });
}
