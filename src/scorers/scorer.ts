/**
 * @file A Scorer from a kind and a backend. The runner (runner.ts) computes the backend's outputs
 * for every distinct input once; the kind reads them and decides. A response kind gets one input
 * per response and compares their outputs; a pair kind gets one input per ordered pair of an
 * item's chosen and rejected responses (both orders, or one seeded order) and judges them
 * together. The results' config is the backend's, then the kind's.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { Runner } from './runner.js';
import type {
  Backend,
  ItemInput,
  Kind,
  KindContext,
  PairKindRun,
  ResponseInput,
  ResponseKindRun,
  ResponseOutputs,
  ResponseScorer,
  ScoreInput,
  ScoredItem,
  Scorer,
  SummaryAccumulator,
} from './types.js';

/** An accumulator made on its first use: a kind fixes its settings (e.g. ArmoRM's objectives) from the first outputs it reads. */
function lazyAccumulator<O extends ResponseOutputs>(make: () => SummaryAccumulator<O>): SummaryAccumulator<O> {
  let made: SummaryAccumulator<O> | undefined;
  return {
    add: (pair) => (made ??= make()).add(pair),
    addSet: (set) => (made ??= make()).addSet?.(set),
    finish: () => (made ??= make()).finish(),
  };
}

type Progress = ((done: number, total: number) => void) | undefined;

/**
 * Opens a kind over a backend: checks the backend has the outputs the kind reads (and that padding
 * leaves them alone), then scores through one runner. On failure the caller disposes the backend.
 */
export async function openKind<O extends ResponseOutputs>(kind: Kind<O>, backend: Backend, context: Omit<KindContext, 'backend'> & { cacheDir?: string }): Promise<Scorer<O>> {
  const runner = new Runner(backend, { cacheDir: context.cacheDir, onWarning: context.onWarning });
  const wanted = kind.outputs(context.block);
  const names = (roles: Record<string, string> | undefined) => Object.values(roles ?? {}).map((n) => backend.outputName(n));
  const read = await backend.prepare({ required: names(wanted.required), optional: names(wanted.optional), hint: wanted.hint });
  const run = kind.open({ ...context, backend }, read);
  const common = {
    info: { kind: kind.name, ...backend.info, config: { ...backend.info.config, ...run.config } },
    stats: runner.stats,
    ...(run.summary ? { summary: () => lazyAccumulator(run.summary!) } : {}),
    ...(run.saveOutputs ? { saveOutputs: run.saveOutputs } : {}),
    ...(run.summarisesSets ? { summarisesSets: true as const } : {}),
    ...(run.tiesWrong ? { tiesWrong: true as const } : {}),
    dispose: () => runner.dispose(),
  };
  const outputs = async (inputs: readonly ScoreInput[], onProgress: Progress) => (await runner.run(inputs, read, onProgress)).map((row, i) => run.read(row, i));
  return run.unit === 'response' ? responseScorer(common, run, outputs) : pairScorer(common, run, outputs);
}

function responseScorer<O extends ResponseOutputs>(
  common: Omit<Scorer<O>, 'scoreItems'>,
  run: ResponseKindRun<O>,
  outputs: (inputs: readonly ResponseInput[], onProgress: Progress) => Promise<O[]>,
): ResponseScorer<O> {
  return {
    ...common,
    scoreResponses: outputs,
    prefer: run.prefer,
    async scoreItems(items: readonly ItemInput[], onProgress) {
      const inputs = items.flatMap((item) => [...item.chosen, ...item.rejected].map((response) => ({ prompt: item.prompt, response })));
      const all = await outputs(inputs, onProgress);
      let at = 0;
      return items.map((item): ScoredItem<O> => {
        const chosen = all.slice(at, (at += item.chosen.length));
        const rejected = all.slice(at, (at += item.rejected.length));
        const invalid = run.isInvalid && [...chosen, ...rejected].some(run.isInvalid);
        return { chosen, rejected, matrix: chosen.map((c) => rejected.map((r) => run.prefer(c, r))), ...(invalid ? { invalid: true as const } : {}) };
      });
    },
  };
}

/** With one order: whether the chosen response goes first, from a hash of the item's text (stable across runs and shards). */
function chosenFirst(prompt: unknown, chosen: string, rejected: string): boolean {
  return createHash('sha256').update(JSON.stringify([prompt, chosen, rejected])).digest()[0]! < 128;
}

function pairScorer<O extends ResponseOutputs>(
  common: Omit<Scorer<O>, 'scoreItems'>,
  run: PairKindRun<O>,
  outputs: (inputs: readonly ScoreInput[], onProgress: Progress) => Promise<O[]>,
): Scorer<O> {
  return {
    ...common,
    async scoreItems(items: readonly ItemInput[], onProgress) {
      // Per (chosen c, rejected r): the inputs (c, r) and (r, c), or the one seeded order.
      const inputs: ScoreInput[] = [];
      const plan = items.map((item) =>
        item.chosen.map((c) =>
          item.rejected.map((r) => {
            const first = run.orders === 2 || chosenFirst(item.prompt, c, r);
            const at = inputs.length;
            if (run.orders === 2 || first) inputs.push({ prompt: item.prompt, a: c, b: r });
            if (run.orders === 2 || !first) inputs.push({ prompt: item.prompt, a: r, b: c });
            return run.orders === 2 ? { ab: at, ba: at + 1 } : first ? { ab: at } : { ba: at };
          }),
        ),
      );
      const all = await outputs(inputs, onProgress);
      const none = () => ({}) as O;
      const pick = (i: number | undefined) => (i === undefined ? none() : all[i]!);
      return plan.map((rows): ScoredItem<O> => {
        let invalid = false;
        const matrix = rows.map((cols) =>
          cols.map(({ ab, ba }) => {
            // Judged with the rejected response first only: the preference of chosen is minus that of rejected.
            const preference = ab !== undefined ? run.prefer(all[ab]!, ba === undefined ? undefined : all[ba]) : -run.prefer(all[ba!]!, undefined);
            // An invalid output makes the pair wrong where it leaves no preference (JudgeBench: it scores 0, the other order may still win).
            if (preference === 0 && run.isInvalid && [ab, ba].some((i) => i !== undefined && run.isInvalid!(all[i]!))) invalid = true;
            return preference;
          }),
        );
        const flags = invalid ? { invalid: true as const } : {};
        // No per-response outputs. A pair's slots carry its orders' outputs instead, for the kind's
        // summary ({} for an order not judged).
        const pair = rows.length === 1 && rows[0]!.length === 1 ? rows[0]![0]! : undefined;
        if (pair) return { chosen: [pick(pair.ab)], rejected: [pick(pair.ba)], matrix, ...flags };
        const pairs = rows.flatMap((cols) => cols.map(({ ab, ba }) => ({ chosen: pick(ab), rejected: pick(ba) })));
        return { chosen: rows.map(none), rejected: rows[0]!.map(none), matrix, pairs, ...flags };
      });
    },
  };
}

/** The response scorer of a scorer, or a one-line error for a kind that judges pairs only. */
export function asResponseScorer<O extends ResponseOutputs>(scorer: Scorer<O>): ResponseScorer<O> {
  if (!('scoreResponses' in scorer)) throw new UserError(`scorer kind ${scorer.info.kind} judges two responses together; it has no per-response scores`);
  return scorer as ResponseScorer<O>;
}

/** The one-line error for a kind a backend cannot feed. */
export function unsupportedKind(where: string, kind: string, engine: string): UserError {
  return new UserError(
    `${where}: the config.json declares scorer "${kind}"; ${engine} returns one score vector per text, so only bradley-terry runs through it (serve ArmoRM and GPM models over KServe: kserve+http://HOST:PORT/MODEL)`,
  );
}
