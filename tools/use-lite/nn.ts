/**
 * @file Just enough neural-network code for small heads over frozen features: a seeded PRNG,
 * dense layers with hand-written backward passes, and Adam. Float32Array, row-major [rows, cols].
 */

/** The seeded PRNG the bootstrap uses (mulberry32), shared so both stay reproducible. */
export { prng as rng } from '../../src/report/bootstrap.js';

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Rows `rows` of a [*, dim] matrix, gathered into a new [rows.length, dim] matrix. */
export function gatherRows(m: Float32Array, dim: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(m.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW) on weights, not biases. */
  weightDecay?: number;
}

/** A trainable tensor with its gradient and Adam moments. */
export class Param {
  readonly grad: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;

  constructor(readonly value: Float32Array, readonly decay: boolean) {
    this.grad = new Float32Array(value.length);
    this.m = new Float32Array(value.length);
    this.v = new Float32Array(value.length);
  }

  /** Forgets the Adam moments (before a new optimisation phase). */
  resetMoments(): void {
    this.m.fill(0);
    this.v.fill(0);
    this.grad.fill(0);
  }

  step(t: number, o: AdamOptions): void {
    const b1 = o.beta1 ?? 0.9;
    const b2 = o.beta2 ?? 0.999;
    const eps = o.eps ?? 1e-8;
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    const wd = this.decay ? (o.weightDecay ?? 0) : 0;
    for (let i = 0; i < this.value.length; i++) {
      const g = this.grad[i]!;
      this.m[i] = b1 * this.m[i]! + (1 - b1) * g;
      this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g;
      this.value[i] = this.value[i]! - o.lr * ((this.m[i]! / c1) / (Math.sqrt(this.v[i]! / c2) + eps) + wd * this.value[i]!);
    }
    this.grad.fill(0);
  }
}

/** y = x W + b, W: [inDim, outDim]. */
export class Dense {
  readonly w: Param;
  readonly b: Param;
  private x: Float32Array = new Float32Array(0);

  constructor(readonly inDim: number, readonly outDim: number, rand: () => number, scale = Math.sqrt(2 / inDim)) {
    const w = new Float32Array(inDim * outDim);
    for (let i = 0; i < w.length; i++) w[i] = gaussian(rand) * scale;
    this.w = new Param(w, true);
    this.b = new Param(new Float32Array(outDim), false);
  }

  forward(x: Float32Array, n: number, keep = true): Float32Array {
    const { inDim: I, outDim: O } = this;
    const W = this.w.value;
    const y = new Float32Array(n * O);
    for (let r = 0; r < n; r++) {
      const yo = r * O;
      y.set(this.b.value, yo);
      for (let i = 0; i < I; i++) {
        const xv = x[r * I + i]!;
        if (xv === 0) continue;
        const wo = i * O;
        for (let o = 0; o < O; o++) y[yo + o]! += xv * W[wo + o]!;
      }
    }
    if (keep) this.x = x;
    return y;
  }

  /** Accumulates parameter gradients; returns dL/dx. */
  backward(dy: Float32Array, n: number, needInput = true): Float32Array {
    const { inDim: I, outDim: O } = this;
    const W = this.w.value;
    const gW = this.w.grad;
    const gB = this.b.grad;
    const x = this.x;
    const dx = needInput ? new Float32Array(n * I) : new Float32Array(0);
    for (let r = 0; r < n; r++) {
      const yo = r * O;
      for (let o = 0; o < O; o++) gB[o]! += dy[yo + o]!;
      for (let i = 0; i < I; i++) {
        const xv = x[r * I + i]!;
        const wo = i * O;
        let acc = 0;
        for (let o = 0; o < O; o++) {
          const d = dy[yo + o]!;
          gW[wo + o]! += xv * d;
          acc += d * W[wo + o]!;
        }
        if (needInput) dx[r * I + i] = acc;
      }
    }
    return dx;
  }

  params(): Param[] {
    return [this.w, this.b];
  }

  toJSON(): { in: number; out: number; w: number[]; b: number[] } {
    return { in: this.inDim, out: this.outDim, w: Array.from(this.w.value), b: Array.from(this.b.value) };
  }

  load(s: { w: readonly number[]; b: readonly number[] }): void {
    this.w.value.set(s.w);
    this.b.value.set(s.b);
  }
}

export function relu(x: Float32Array): Float32Array {
  return x.map((v) => (v > 0 ? v : 0));
}

/** dL/dx of relu given its output y and dL/dy. */
export function reluBackward(y: Float32Array, dy: Float32Array): Float32Array {
  return dy.map((d, i) => (y[i]! > 0 ? d : 0));
}

/** A relu MLP: Dense, relu, ..., Dense. */
export class Mlp {
  readonly layers: Dense[];
  private acts: Float32Array[] = [];

  constructor(dims: readonly number[], rand: () => number) {
    this.layers = dims.slice(1).map((d, i) => new Dense(dims[i]!, d, rand, i === dims.length - 2 ? Math.sqrt(1 / dims[i]!) : Math.sqrt(2 / dims[i]!)));
  }

  forward(x: Float32Array, n: number, keep = true): Float32Array {
    let h = x;
    this.acts = [];
    this.layers.forEach((l, i) => {
      h = l.forward(h, n, keep);
      if (i < this.layers.length - 1) {
        h = relu(h);
        if (keep) this.acts.push(h);
      }
    });
    return h;
  }

  backward(dy: Float32Array, n: number): void {
    let d = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      d = this.layers[i]!.backward(d, n, i > 0);
      if (i > 0) d = reluBackward(this.acts[i - 1]!, d);
    }
  }

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  toJSON(): ReturnType<Dense['toJSON']>[] {
    return this.layers.map((l) => l.toJSON());
  }

  snapshot(): Float32Array[] {
    return this.params().map((p) => p.value.slice());
  }

  restore(s: readonly Float32Array[]): void {
    this.params().forEach((p, i) => p.value.set(s[i]!));
  }
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** log(1 + exp(x)), stable. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * One MLP equal to the mean of several [in, h, 1] (or [in, 1]) MLPs: hidden units side by side,
 * output weights divided by the number of members. Used to ship a seed ensemble as one head.
 */
export function averageMlps(members: readonly Mlp[]): Mlp {
  const n = members.length;
  const first = members[0]!;
  const dims = [first.layers[0]!.inDim, ...first.layers.map((l) => l.outDim)];
  if (members.some((m) => m.layers.length !== first.layers.length || m.layers.some((l, i) => l.inDim !== first.layers[i]!.inDim || l.outDim !== first.layers[i]!.outDim))) {
    throw new Error('averageMlps: members differ in shape');
  }
  if (dims.length === 2) {
    const out = new Mlp(dims, () => 0.5);
    const l = out.layers[0]!;
    l.w.value.fill(0);
    l.b.value.fill(0);
    for (const m of members) {
      m.layers[0]!.w.value.forEach((v, i) => (l.w.value[i]! += v / n));
      m.layers[0]!.b.value.forEach((v, i) => (l.b.value[i]! += v / n));
    }
    return out;
  }
  if (dims.length !== 3) throw new Error('averageMlps: only one- and two-layer MLPs');
  const [I, H, O] = dims as [number, number, number];
  const out = new Mlp([I, H * n, O], () => 0.5);
  const [l1, l2] = out.layers as [Dense, Dense];
  l2.b.value.fill(0);
  members.forEach((m, k) => {
    const [a, b] = m.layers as [Dense, Dense];
    for (let i = 0; i < I; i++) for (let h = 0; h < H; h++) l1.w.value[i * H * n + k * H + h] = a.w.value[i * H + h]!;
    l1.b.value.set(a.b.value, k * H);
    for (let h = 0; h < H; h++) for (let o = 0; o < O; o++) l2.w.value[(k * H + h) * O + o] = b.w.value[h * O + o]! / n;
    b.b.value.forEach((v, o) => (l2.b.value[o]! += v / n));
  });
  return out;
}
