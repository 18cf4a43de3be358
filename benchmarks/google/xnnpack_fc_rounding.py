#!/usr/bin/env python3
"""What XNNPACK does with each int8 FULLY_CONNECTED of a .litertlm file's `decode` signature, op by op.

ai_edge_litert's interpreter (XNNPACK, the TFLite runtime inside Google's LiteRT-LM) runs the
decode signature over PROMPT one token at a time, with every float32 op output of the decode
subgraph made a signature output (the file is rewritten with ai_edge_litert's flatbuffer_utils;
it gives the same logits). For the last token, every FULLY_CONNECTED with int8 weights is checked
against two numpy products of XNNPACK's own input:
  qd8    activations rounded per row, asymmetrically, to 8 bits as XNNPACK's f32 -> qd8 convert
         does (rmin = min(0, min x), rmax = max(0, max x), multiplier m = 255/(rmax - rmin),
         zero point from the range ends times m, s = 1/m, q = round_half_even(x * m) + zp,
         clamped: the convert kernel gets m itself, not 1/s) -- what liblitertlm's --int8-activations google does
         (kernels/quantize.h AsymmetricQuantizeActivationRow);
  fp32   the activations as they are.
and the activation nearest a rounding boundary (|x/s - (n + 1/2)|) is printed: below ~1e-5 a
different but equally valid fp32 evaluation of the ops before it (summation order, exp) can round
it the other way, one int8 step, which later layers amplify to the size of the 8-bit rounding
error itself (the two engines' greedy text then parts wherever the top-2 logits are that close).
Exit status 1 when some FULLY_CONNECTED is not the qd8 product (relative error > 1e-5).

  PY=/work/venvs/lt/bin/python   (a venv with ai-edge-litert; litert-torch pulls it)
  $PY benchmarks/google/xnnpack_fc_rounding.py FILE.litertlm 2,3689,563 OFFSET SIZE [--exposed OUT.tflite]

The prompt is token ids (`litert-lm-cli tokenize --add-special-tokens`); OFFSET and SIZE are the
TFLiteModel section's (`litert-lm-cli inspect FILE`). Rewriting a 280 MB model takes ~2 minutes;
--exposed keeps the rewritten model (and reuses it when it exists).
"""
import argparse
import os
import sys

import numpy as np
from ai_edge_litert import interpreter as interp
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.tools import flatbuffer_utils


def text(s):
    return s.decode() if isinstance(s, bytes) else s


def decode_signature(model):
    return [s for s in model.signatureDefs if text(s.signatureKey) == "decode"][0]


def expose_decode_tensors(model):
    """Makes every float32 op output of the decode subgraph a subgraph and signature output."""
    sig = decode_signature(model)
    graph = model.subgraphs[sig.subgraphIndex]
    outputs = set(graph.outputs)
    added = []
    for op in graph.operators:
        for t in op.outputs:
            if t >= 0 and t not in outputs and graph.tensors[t].type == schema.TensorType.FLOAT32:
                outputs.add(t)
                added.append(t)
    graph.outputs = list(graph.outputs) + added
    for t in added:
        entry = schema.TensorMapT()
        entry.name, entry.tensorIndex = "x_%d" % t, t
        sig.outputs.append(entry)


def qd8_round(x):
    """XNNPACK's f32 -> qd8 conversion of one row (xnn_compute_f32_qd8_convert), returned
    dequantized: (q - zp) * s, and s."""
    f = np.float32
    rmin, rmax = min(f(0), f(x.min())), max(f(0), f(x.max()))
    multiplier = f(1) if rmin == rmax else f(255) / (rmax - rmin)
    dmin, dmax = rmin * multiplier, rmax * multiplier
    zp = f(-128) - dmin if (f(-128) + dmin) + (f(127) + dmax) > 0 else f(127) - dmax
    zp = int(np.rint(np.clip(zp, -128, 127)))
    s = f(1) / multiplier
    q = np.clip(np.rint(x * multiplier) + zp, -128, 127)
    return ((q - zp) * s).astype(np.float32), s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("ids")
    ap.add_argument("offset", type=int)
    ap.add_argument("size", type=int)
    ap.add_argument("--exposed", help="where to keep the rewritten TFLite model")
    args = ap.parse_args()
    ids = [int(t) for t in args.ids.split(",")]
    if args.exposed and os.path.exists(args.exposed):
        data = bytearray(open(args.exposed, "rb").read())
        model = flatbuffer_utils.read_model_from_bytearray(data)
    else:
        with open(args.file, "rb") as f:
            f.seek(args.offset)
            model = flatbuffer_utils.read_model_from_bytearray(bytearray(f.read(args.size)))
        expose_decode_tensors(model)
        data = flatbuffer_utils.convert_object_to_bytearray(model)
        if args.exposed:
            open(args.exposed, "wb").write(data)
    sig = decode_signature(model)
    graph = model.subgraphs[sig.subgraphIndex]
    names = {i: [k for k, v in vars(schema.BuiltinOperator).items() if v == max(c.builtinCode, c.deprecatedBuiltinCode)][0]
             for i, c in enumerate(model.operatorCodes)}
    runner = interp.Interpreter(model_content=bytes(data), num_threads=1).get_signature_runner("decode")
    details = runner.get_input_details()
    caches = {k: np.zeros(v["shape"], np.float32) for k, v in details.items() if k.startswith("kv_cache")}
    for pos, tok in enumerate(ids):
        feeds = dict(tokens=np.array([[tok]], np.int32), input_pos=np.array([pos], np.int32), **caches)
        if "mask" in details:
            kv_len = details["mask"]["shape"][-1]
            feeds["mask"] = np.where(np.arange(kv_len) <= pos, 0.0, np.finfo(np.float32).min).astype(
                np.float32).reshape(details["mask"]["shape"])
        out = runner(**feeds)
        for k in caches:
            caches[k] = out[k]
    by_tensor = {t.tensorIndex: out[text(t.name)] for t in sig.outputs if text(t.name) in out}
    by_tensor.update({t.tensorIndex: feeds[text(t.name)] for t in sig.inputs if text(t.name) in feeds})
    worst = 0.0
    for k, op in enumerate(graph.operators):
        weights = graph.tensors[op.inputs[1]] if len(op.inputs) > 1 else None
        if names[op.opcodeIndex] != "FULLY_CONNECTED" or weights.type != schema.TensorType.INT8:
            continue
        cols = weights.shape[-1]
        x = by_tensor[op.inputs[0]].reshape(-1, cols).astype(np.float32)
        w = np.asarray(model.buffers[weights.buffer].data).view(np.int8).reshape(weights.shape)
        w = w.astype(np.float32) * np.asarray(weights.quantization.scale, np.float32).reshape(-1, 1)
        y = by_tensor[op.outputs[0]].reshape(x.shape[0], -1)
        rounded = np.stack([qd8_round(r)[0] for r in x])
        rel = lambda a: float(np.abs(y - a).max() / (np.abs(a).max() + 1e-30))
        s = qd8_round(x[-1])[1]
        v = x[-1] * np.float32(1.0 / s)
        gap = np.abs(v - np.floor(v) - 0.5)
        j = int(np.argmin(gap))
        worst = max(worst, rel(rounded @ w.T))
        print(f"op {k:4d} {text(weights.name)[:44]:44s} vs qd8 {rel(rounded @ w.T):.1e}  vs fp32 {rel(x @ w.T):.1e}"
              f"  nearest boundary: x[{j}]/s = {float(v[j]):.7f}")
    logits = out["logits"].reshape(-1)
    top = np.argsort(logits)[::-1][:2]
    print(f"next token {int(top[0])} ({logits[top[0]]:.4f}), runner-up {int(top[1])} ({logits[top[1]]:.4f}), "
          f"margin {logits[top[0]] - logits[top[1]]:.4f}")
    print(f"largest relative difference from the qd8 product: {worst:.1e}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
