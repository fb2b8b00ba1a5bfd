/**
 * @file A small ONNX graph builder: enough to write real models from TypeScript
 * (test fixtures whose outputs can be computed by hand, and the default models' converter).
 * It writes protobuf through `onnx-proto`; onnxruntime-node loads the result like any export.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';
/** A dimension: a fixed size or a symbolic name such as 'batch'. */
export type Dim = number | string;
/** Integers become INT attributes; wrap a float that happens to be whole as { float: 1 }. */
export type AttrValue = number | { float: number } | number[] | string | Float32Array | { tensor: TensorInit };

const ELEM: Record<ElemType, number> = {
  float32: DT.FLOAT,
  float16: DT.FLOAT16,
  int64: DT.INT64,
  int32: DT.INT32,
  int8: DT.INT8,
  uint8: DT.UINT8,
  bool: DT.BOOL,
};

export interface TensorInit {
  type: ElemType;
  dims: readonly number[];
  /** float16 data is given as float32 and converted here. */
  data: Float32Array | Int32Array | BigInt64Array | Int8Array | Uint8Array | readonly number[];
}

function rawBytes(t: TensorInit): Uint8Array {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new Error(`tensor data has ${t.data.length} values, dims ${JSON.stringify(t.dims)} need ${n}`);
  let arr: ArrayBufferView;
  switch (t.type) {
    case 'float32': arr = Float32Array.from(t.data as ArrayLike<number>); break;
    case 'float16': arr = toFloat16(Float32Array.from(t.data as ArrayLike<number>)); break;
    case 'int32': arr = Int32Array.from(t.data as ArrayLike<number>); break;
    case 'int8': arr = Int8Array.from(t.data as ArrayLike<number>); break;
    case 'uint8': arr = Uint8Array.from(t.data as ArrayLike<number>); break;
    case 'int64': arr = t.data instanceof BigInt64Array ? t.data : BigInt64Array.from(t.data as ArrayLike<number>, (v) => BigInt(v)); break;
    case 'bool': arr = Uint8Array.from(t.data as ArrayLike<number>); break;
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).slice();
}

/** IEEE 754 binary16, round to nearest even (Math.f16round is not in Node 20). */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) { out[i] = sign | 0x7c00 | (mant ? 0x200 : 0); continue; }
    const e = exp - 127 + 15;
    if (e >= 0x1f) { out[i] = sign | 0x7c00; continue; }
    if (e <= 0) {
      if (e < -10) { out[i] = sign; continue; }
      mant |= 0x800000;
      const shift = 14 - e;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && (h & 1))) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
    out[i] = sign | h;
  }
  return out;
}

function valueInfo(name: string, type: ElemType, shape: readonly Dim[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface SaveOptions {
  /** Store weight initializers (float and 8-bit) of at least this many bytes in an external data file beside the model. */
  externalDataFile?: string;
  externalDataThreshold?: number;
}

export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly inits: { name: string; tensor: TensorInit }[] = [];
  private counter = 0;

  constructor(private readonly name = 'rmbench_graph', private readonly opset = 17) {}

  input(name: string, type: ElemType, shape: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(name: string, type: ElemType, shape: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** A weight or constant tensor; returns its name. */
  init(name: string, tensor: TensorInit): string {
    this.inits.push({ name, tensor });
    return name;
  }

  /** A constant of int64 values (shapes, axes, indices). */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.init(this.fresh('const'), { type: 'int64', dims, data: values });
  }

  floats(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.init(this.fresh('const'), { type: 'float32', dims, data: values });
  }

  /** Adds a node; returns its first output name (outputs default to fresh names). */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs?: readonly string[]): string {
    const outs = outputs ?? [this.fresh(op)];
    this.nodes.push({
      opType: op,
      name: this.fresh(`${op}_node`),
      input: [...inputs],
      output: [...outs],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs[0]!;
  }

  /** Every output name of a multi-output node. */
  nodeMulti(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttrValue> = {}): readonly string[] {
    this.node(op, inputs, attrs, outputs);
    return outputs;
  }

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Serialises the model; with externalDataFile, large initializers go to that file (returned). */
  build(options: SaveOptions = {}): { model: Uint8Array; externalData?: Uint8Array } {
    const external: Uint8Array[] = [];
    let offset = 0;
    const initializer = this.inits.map(({ name, tensor }) => {
      const bytes = rawBytes(tensor);
      const base = { name, dims: [...tensor.dims], dataType: ELEM[tensor.type] };
      // Integer tensors (shapes, axes, indices) stay inline: shape inference needs to read them.
      const weight = tensor.type === 'float32' || tensor.type === 'float16' || tensor.type === 'uint8' || tensor.type === 'int8';
      if (options.externalDataFile && weight && bytes.byteLength >= (options.externalDataThreshold ?? 1024)) {
        external.push(bytes);
        const entry = {
          ...base,
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [
            { key: 'location', value: basename(options.externalDataFile) },
            { key: 'offset', value: String(offset) },
            { key: 'length', value: String(bytes.byteLength) },
          ],
        };
        offset += bytes.byteLength;
        return entry;
      }
      return { ...base, rawData: bytes };
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'rmbench',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: { name: this.name, node: this.nodes, input: this.inputs, output: this.outputs, initializer },
    });
    const encoded = onnx.ModelProto.encode(model).finish();
    if (!options.externalDataFile) return { model: encoded };
    const data = new Uint8Array(offset);
    let at = 0;
    for (const b of external) { data.set(b, at); at += b.byteLength; }
    return { model: encoded, externalData: data };
  }

  /** Writes model.onnx (and its external data file, when asked) to disk. */
  save(path: string, options: SaveOptions = {}): void {
    const { model, externalData } = this.build(options);
    writeFileSync(path, model);
    if (externalData?.byteLength && options.externalDataFile) {
      writeFileSync(`${path.slice(0, path.lastIndexOf('/') + 1)}${basename(options.externalDataFile)}`, externalData);
    }
  }
}

function attribute(name: string, v: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (v instanceof Float32Array) return { name, type: A.FLOATS, floats: Array.from(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  const t = (v as { tensor: TensorInit }).tensor;
  return { name, type: A.TENSOR, t: { dims: [...t.dims], dataType: ELEM[t.type], rawData: rawBytes(t) } };
}
