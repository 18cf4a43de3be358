#!/usr/bin/env python3
"""Reference outputs of XNNPACK's fp32 ops for tests/unit/kernels/xnnpack_float_test.cc.

Builds one-op (or one-subgraph) TFLite models with the ops the LLM graph of
liblitertlm/format/tflite_llm_writer.cc uses outside its int8 FULLY_CONNECTEDs -- the
odml.rms_norm decomposition (MUL, MEAN, ADD, RSQRT, MUL, MUL), RSQRT alone, SIN, COS,
GELU(approximate), LOGISTIC, SOFTMAX, BATCH_MATMUL(adj_y), TANH and the final soft-cap (DIV, TANH,
MUL) -- runs them with ai_edge_litert's interpreter (TFLite with its default XNNPACK delegate,
1 thread: Google's runtime) and writes the outputs as little-endian float32 files into the
directory given, plus host.txt (the CPU's vendor_id, model name and flags, and the versions).
The inputs are exactly representable values from the generator below (XnnInputs in the test
builds the same ones), except the SIN/COS angles, which are written too (pos · inv_freq in fp32,
the writer's RoPE table).

XNNPACK picks its microkernels by the CPU's features (kernels/xnnpack_float.h KernelSet), so there
is one set per kind of host, tests/golden/xnnpack_float/<set>/, made on such a host:
  python3 -m venv /tmp/xnnvenv && /tmp/xnnvenv/bin/pip install ai-edge-litert==2.3.0 numpy
  /tmp/xnnvenv/bin/python tests/tools/make_xnnpack_float_fixtures.py tests/golden/xnnpack_float/<set> \
      build/cli/litert-lm-cli
With the CLI, also the logits of whole models: each tiny checkpoint of LOGITS_CASES converted by
`litert-lm-cli convert --format tflite --quantize dynamic_int8 --prefill-seq-len 8
--kv-cache-max-len 64`, its `decode` signature run by the interpreter over the case's token ids
(one token at a time, the mask 0 up to the position and float32 min after it), the last logits written as
logits_<checkpoint>.f32 (tests/unit/converter/xnnpack_logits_test.cc), and FLOAT_LOGITS_CASES
converted with --quantize fp32 and fp16: logits_<checkpoint>_<fp32|fp16>.f32, and (avx2 set only)
INT4_LOGITS_CASES converted with --quantize dynamic_int4_block32 / _block128 --int4-embedding:
logits_<checkpoint>_int4b<32|128>.f32. Also one int4 blockwise FULLY_CONNECTED per block size
(fully_connected_qb4w_b<32|128>.f32, qb4w_operands below).
And Google-made files (GOOGLE_FILE_CASES, committed under tests/golden/google/ by
make_google_fixtures.py): the `decode` signature over the file's reference prompt_ids and then its
decode_ids (teacher-forced, one token at a time), every step's logits (32 rows) written as
google_<name>.f32 (tests/unit/format/tflite_import_test.cc, GoogleModeIsXnnpackBitForBit).

  avx512/  ai-edge-litert 2.3.0, numpy 2.4.6, Python 3.11.7, on an AVX-512 host (Intel CPU model
           207, avx512f/bw/dq/vl/vnni, amx): XNNPACK's AVX-512 microkernels. (Made before this
           script wrote rsqrt.f32 and host.txt; it has neither.)
  avx2/    ai-edge-litert 2.3.0, numpy 2.4.6, Python 3.11.7, on an AMD EPYC Zen 3 host (avx2, fma,
           f16c, no AVX-512, no AVX-VNNI; its host.txt): XNNPACK's avx/avx2/fma3 microkernels.
           RSQRT starts from vrsqrtps, whose estimate is the CPU vendor's own: the tests check the
           rms_norm, rsqrt and logits files only on CPUs of host.txt's vendor_id (AMD) and skip
           them, saying so, on others (other AMD generations are assumed to share Zen 3's
           estimate; not checked). The other files hold on any AVX2/FMA3 CPU. The qb4w and int4
           logits files were added later (2026-12-07) by rerunning the command above on the same
           host and versions, which left every earlier file byte-identical; XNNPACK picks the
           same AVX2 qb4w kernels on any AVX2 CPU without AVX-512 VNNI.
"""
import os
import sys

import numpy as np
from ai_edge_litert import interpreter as interp
from ai_edge_litert import schema_py_generated as S
from ai_edge_litert.tools import flatbuffer_utils


def inputs(seed, n, scale_log2):
    """n floats (k - 2^23) · 2^(scale_log2 - 23), k from a 32-bit LCG: exact in fp32, in
    [-2^scale_log2, 2^scale_log2). The test's XnnInputs is the same generator."""
    out = np.empty(n, np.float32)
    s = seed & 0xFFFFFFFF
    for i in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        k = (s >> 8) - (1 << 23)
        out[i] = np.float32(k) * np.float32(2.0 ** (scale_log2 - 23))
    return out


class Graph:
    def __init__(self):
        self.model = S.ModelT()
        self.model.version = 3
        self.model.buffers = [S.BufferT()]
        self.model.operatorCodes = []
        self.sg = S.SubGraphT()
        self.sg.tensors, self.sg.operators, self.sg.inputs, self.sg.outputs = [], [], [], []
        self.model.subgraphs = [self.sg]

    def tensor(self, shape, dtype=S.TensorType.FLOAT32, data=None):
        t = S.TensorT()
        t.shape = list(shape)
        t.type = dtype
        t.name = "t%d" % len(self.sg.tensors)
        t.buffer = 0
        if data is not None:
            b = S.BufferT()
            b.data = list(np.ascontiguousarray(data).view(np.uint8).reshape(-1))
            self.model.buffers.append(b)
            t.buffer = len(self.model.buffers) - 1
        self.sg.tensors.append(t)
        return len(self.sg.tensors) - 1

    def op(self, code, ins, out_shape, opts_type=0, opts=None):
        codes = [c.builtinCode for c in self.model.operatorCodes]
        if code not in codes:
            c = S.OperatorCodeT()
            c.builtinCode = code
            c.deprecatedBuiltinCode = min(code, 127)
            c.version = 1
            self.model.operatorCodes.append(c)
            codes.append(code)
        o = S.OperatorT()
        o.opcodeIndex = codes.index(code)
        o.inputs = list(ins)
        out = self.tensor(out_shape)
        o.outputs = [out]
        if opts is not None:
            o.builtinOptionsType, o.builtinOptions = opts_type, opts
        self.sg.operators.append(o)
        return out

    def run(self, feeds, output):
        self.sg.inputs = [t for t, _ in feeds]
        self.sg.outputs = [output]
        data = bytes(flatbuffer_utils.convert_object_to_bytearray(self.model))
        it = interp.Interpreter(model_content=data, num_threads=1)
        it.allocate_tensors()
        for (t, v), d in zip(feeds, it.get_input_details()):
            it.set_tensor(d["index"], v.reshape(d["shape"]))
        it.invoke()
        return it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1).astype(np.float32)


def binary(g, code, a, b, shape):
    opts = S.MulOptionsT() if code == S.BuiltinOperator.MUL else S.AddOptionsT()
    kind = S.BuiltinOptions.MulOptions if code == S.BuiltinOperator.MUL else S.BuiltinOptions.AddOptions
    return g.op(code, [a, b], shape, kind, opts)


def rms_norm(rows, n, seed):
    x = inputs(seed, rows * n, 2)
    w = np.float32(1) + inputs(seed + 1, n, -2)
    g = Graph()
    xi = g.tensor([rows, n])
    wi = g.tensor([n], data=w)
    sq = binary(g, S.BuiltinOperator.MUL, xi, xi, [rows, n])
    red = S.ReducerOptionsT()
    red.keepDims = True
    mean = g.op(S.BuiltinOperator.MEAN, [sq, g.tensor([1], S.TensorType.INT32, np.array([1], np.int32))],
                [rows, 1], S.BuiltinOptions.ReducerOptions, red)
    eps = g.tensor([], data=np.array([1e-6], np.float32))
    s = binary(g, S.BuiltinOperator.ADD, mean, eps, [rows, 1])
    r = g.op(S.BuiltinOperator.RSQRT, [s], [rows, 1])
    normed = binary(g, S.BuiltinOperator.MUL, xi, r, [rows, n])
    out = binary(g, S.BuiltinOperator.MUL, normed, wi, [rows, n])
    return g.run([(xi, x)], out)


def unary(code, x, opts_type=0, opts=None):
    g = Graph()
    xi = g.tensor([x.size])
    return g.run([(xi, x)], g.op(code, [xi], [x.size], opts_type, opts))


def soft_cap(x, cap):
    """The writer's final logit soft-cap: DIV by cap, TANH, MUL by cap."""
    g = Graph()
    xi = g.tensor([x.size])
    c = g.tensor([], data=np.array([cap], np.float32))
    d = g.op(S.BuiltinOperator.DIV, [xi, c], [x.size], S.BuiltinOptions.DivOptions, S.DivOptionsT())
    t = g.op(S.BuiltinOperator.TANH, [d], [x.size])
    return g.run([(xi, x)], binary(g, S.BuiltinOperator.MUL, t, c, [x.size]))


def rope_angles():
    """pos · inv_freq as the writer's table computes them (fp32 MUL), for two RoPE configs."""
    out = []
    for theta, d in ((10000.0, 256), (1000000.0, 128)):
        inv = np.array([1.0 / theta ** (2.0 * i / d) for i in range(d // 2)], np.float64).astype(np.float32)
        for pos in (0, 1, 2, 7, 100, 511, 1279, 4095, 32767):
            out.append(np.float32(pos) * inv)
    return np.concatenate(out).astype(np.float32)


def softmax(rows, n, visible, seed):
    x = inputs(seed, rows * n, 4).reshape(rows, n)
    for r, v in enumerate(visible):
        x[r, v:] = -np.inf
    g = Graph()
    xi = g.tensor([rows, n])
    opts = S.SoftmaxOptionsT()
    opts.beta = 1.0
    return g.run([(xi, x.reshape(-1))], g.op(S.BuiltinOperator.SOFTMAX, [xi], [rows, n],
                                             S.BuiltinOptions.SoftmaxOptions, opts))


def batch_matmul(m, n, k, seed, a_log2, b_log2):
    a = inputs(seed, m * k, a_log2)
    b = inputs(seed + 1, n * k, b_log2)
    g = Graph()
    ai, bi = g.tensor([1, m, k]), g.tensor([1, n, k])
    opts = S.BatchMatMulOptionsT()
    opts.adjY = True
    return g.run([(ai, a), (bi, b)], g.op(S.BuiltinOperator.BATCH_MATMUL, [ai, bi], [1, m, n],
                                          S.BuiltinOptions.BatchMatMulOptions, opts))


def lcg_ints(seed, n):
    """n integers (s >> 8) of the 32-bit LCG of inputs() (the test's XnnInts)."""
    out = np.empty(n, np.int64)
    s = seed & 0xFFFFFFFF
    for i in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = s >> 8
    return out


# One int4 blockwise FULLY_CONNECTED (qd8 x qb4w in XNNPACK): QB4W_ROWS activation rows of
# QB4W_K inputs, QB4W_N outputs (not a multiple of XNNPACK's 8 nor of our 16).
QB4W_ROWS, QB4W_K, QB4W_N = 3, 3072, 40


def qb4w_operands(block):
    """The weights q in [-8, 7], the FLOAT16 block scales (every one exactly a half: a third of
    them subnormal halves k·2^-24, the rest (1024 + f)·2^(e-10) for e in [-14, -7]), and the
    activations; the test's QB4wOperands builds the same ones."""
    q = (lcg_ints(41 + block, QB4W_N * QB4W_K) % 16 - 8).reshape(QB4W_N, QB4W_K)
    r = lcg_ints(43 + block, QB4W_N * (QB4W_K // block))
    scales = np.empty(r.size, np.float32)
    for i, v in enumerate(r):
        if v % 3 == 0:
            scales[i] = np.float32(1 + v % 1023) * np.float32(2.0 ** -24)
        else:
            scales[i] = np.float32(1024 + v % 1024) * np.float32(2.0 ** (-24 + (v >> 10) % 8))
    x = inputs(47 + block, QB4W_ROWS * QB4W_K, 2)
    return q, scales.reshape(QB4W_N, QB4W_K // block), x


def fully_connected_qb4w(block):
    q, scales, x = qb4w_operands(block)
    g = Graph()
    xi = g.tensor([QB4W_ROWS, QB4W_K])
    si = g.tensor([QB4W_N, QB4W_K // block], S.TensorType.FLOAT16, scales.astype(np.float16))
    flat = (q.reshape(-1) & 0xF).astype(np.uint8)  # TFLite INT4: element 2i in the low nibble of byte i
    wi = g.tensor([QB4W_N, QB4W_K], S.TensorType.INT4, (flat[0::2] | (flat[1::2] << 4)).astype(np.uint8))
    quant = S.QuantizationParametersT()
    quant.detailsType = S.QuantizationDetails.BlockwiseQuantization
    quant.details = S.BlockwiseQuantizationT()
    quant.details.scales, quant.details.zeroPoints, quant.details.blockSize = si, -1, block
    g.sg.tensors[wi].quantization = quant
    opts = S.FullyConnectedOptionsT()
    opts.keepNumDims = True
    out = g.op(S.BuiltinOperator.FULLY_CONNECTED, [xi, wi, -1], [QB4W_ROWS, QB4W_N],
               S.BuiltinOptions.FullyConnectedOptions, opts)
    return g.run([(xi, x)], out)


LOGITS_IDS = (2, 17, 300, 45, 99, 5, 200, 77, 31, 8, 150, 60)
# gemma3_mqa: "The capital of France is" and Google's first 7 greedy tokens; at position 16 one
# activation lies exactly on a rounding tie of XNNPACK's qd8 multiplier (quantize_test.cc).
LOGITS_CASES = {
    "qwen3_gqa": LOGITS_IDS,
    "gemma3_sliding": LOGITS_IDS,
    "gemma3_mqa": (2, 393, 418, 466, 385, 390, 408, 452, 451, 395, 401, 394, 436, 348, 348, 245, 245, 245, 436),
}
# fp32 and fp16 files (FULLY_CONNECTED in XNNPACK's f32-gemm order): logits_<checkpoint>_<q>.f32.
FLOAT_LOGITS_CASES = ("qwen3_gqa", "gemma3_sliding")
FLOAT_QUANTIZATIONS = ("fp32", "fp16")
# int4 blockwise files (FULLY_CONNECTED as XNNPACK's qd8 x qb4w; the embedding lookup and tied LM
# head int4 too, --int4-embedding): the *_wide checkpoints of tests/golden/google/models (rows of
# 128), logits_<checkpoint>_int4b<block>.f32. avx2 set only (XNNPACK's AVX2 qb4w kernels; AVX-512
# VNNI hosts run others).
INT4_LOGITS_CASES = ("qwen3_wide", "gemma3_wide")
INT4_QUANTIZATIONS = (("int4b32", "dynamic_int4_block32"), ("int4b128", "dynamic_int4_block128"))
# Google-made files (litert-torch export_hf and the classic converter): google_<name>.f32.
GOOGLE_FILE_CASES = ("gemma3_sliding_export_hf_int8", "gemma3_sliding_classic_maskin_int8",
                     "qwen3_gqa_export_hf_int8", "gemma3_sliding_export_hf_fp32")


def decode_runner(cli, path):
    """The `decode` signature of the TFLite model section of the .litertlm at PATH (found by
    `CLI inspect`) in the interpreter on one thread, its input details and zeroed KV caches."""
    import subprocess
    info = subprocess.run([cli, "inspect", path], check=True, capture_output=True, text=True).stdout
    offset, size = [int(v) for v in [l for l in info.splitlines() if "TFLiteModel" in l][0].split()[2:4]]
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(size)
    runner = interp.Interpreter(model_content=data, num_threads=1).get_signature_runner("decode")
    details = runner.get_input_details()
    caches = {k: np.zeros(v["shape"], np.float32) for k, v in details.items() if k.startswith("kv_cache")}
    return runner, details, caches


def decode_logits(cli, checkpoint, ids, work, quantize="dynamic_int8", extra=()):
    import subprocess
    subprocess.run([cli, "convert", checkpoint, "--format", "tflite", "--quantize", quantize,
                    "--prefill-seq-len", "8", "--kv-cache-max-len", "64", "--output-dir", work] + list(extra),
                   check=True, capture_output=True)
    runner, details, caches = decode_runner(cli, os.path.join(work, os.path.basename(checkpoint) + ".litertlm"))
    kv_len = details["mask"]["shape"][-1]
    for pos, tok in enumerate(ids):
        mask = np.where(np.arange(kv_len) <= pos, 0.0, np.finfo(np.float32).min).astype(np.float32)
        out = runner(tokens=np.array([[tok]], np.int32), input_pos=np.array([pos], np.int32),
                     mask=mask.reshape(details["mask"]["shape"]), **caches)
        for k in caches:
            caches[k] = out[k]
    return out["logits"].reshape(-1).astype(np.float32)


def google_file_logits(cli, path, prompt, decode_ids):
    """Rows of logits of a Google-made file's `decode` signature: after PROMPT (one token at a
    time) and after each of DECODE_IDS but the last: len(decode_ids) rows."""
    runner, details, caches = decode_runner(cli, path)
    rows = []
    feed = list(prompt) + list(decode_ids[:-1])
    for pos, tok in enumerate(feed):
        extra = {}
        if "mask" in details:  # what LiteRT-LM builds; the classic default file has its mask in-graph
            shape = details["mask"]["shape"]
            mask = np.where(np.arange(shape[-1]) <= pos, 0.0, np.finfo(np.float32).min).astype(np.float32)
            extra["mask"] = mask.reshape(shape)
        out = runner(tokens=np.array([[tok]], np.int32), input_pos=np.array([pos], np.int32), **extra, **caches)
        for k in caches:
            caches[k] = out[k]
        if pos >= len(prompt) - 1:
            rows.append(out["logits"].reshape(-1).astype(np.float32))
    return np.stack(rows)


def write_host_txt(path):
    """The CPU (first processor of /proc/cpuinfo: vendor_id, model name, flags) and the versions."""
    import platform
    from importlib import metadata
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if not line.strip():
                break
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
    flags = sorted(f for f in info.get("flags", "").split() if f.startswith(("avx", "fma", "f16c", "amx")))
    with open(path, "w") as f:
        f.write("vendor_id: %s\n" % info.get("vendor_id", "?"))
        f.write("model name: %s\n" % info.get("model name", "?"))
        f.write("flags: %s\n" % " ".join(flags))
        f.write("ai-edge-litert %s, numpy %s, Python %s\n" % (
            metadata.version("ai-edge-litert"), np.__version__, platform.python_version()))


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)

    def save(name, values):
        values.astype("<f4").tofile(os.path.join(out_dir, name + ".f32"))

    write_host_txt(os.path.join(out_dir, "host.txt"))

    for n in (640, 256, 1152, 128, 100):
        save("rms_norm_%d" % n, rms_norm(4, n, 1000 + n))
    angles = rope_angles()
    save("rope_angles", angles)
    save("rsqrt", unary(S.BuiltinOperator.RSQRT, np.abs(inputs(31, 4096, 3)) + np.float32(2.0 ** -20)))
    save("sin", unary(S.BuiltinOperator.SIN, angles))
    save("cos", unary(S.BuiltinOperator.COS, angles))
    act_in = inputs(7, 2048, 3)
    gelu = S.GeluOptionsT()
    gelu.approximate = True
    save("gelu_approximate", unary(S.BuiltinOperator.GELU, act_in, S.BuiltinOptions.GeluOptions, gelu))
    save("logistic", unary(S.BuiltinOperator.LOGISTIC, act_in))
    save("tanh", unary(S.BuiltinOperator.TANH, act_in))
    save("soft_cap_30", soft_cap(inputs(8, 1024, 6), 30.0))
    save("softmax_1280", softmax(4, 1280, (1, 77, 1000, 1280), 11))
    save("softmax_100", softmax(2, 100, (3, 100), 12))
    save("batch_matmul_qk", batch_matmul(4, 64, 256, 21, 1, 1))
    save("batch_matmul_pv", batch_matmul(4, 32, 1280, 23, -1, 2))
    for block in (32, 128):
        save("fully_connected_qb4w_b%d" % block, fully_connected_qb4w(block))
    if len(sys.argv) > 2:
        import tempfile
        models = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "models")
        for name, ids in LOGITS_CASES.items():
            with tempfile.TemporaryDirectory() as work:
                save("logits_" + name, decode_logits(sys.argv[2], os.path.join(models, name), ids, work))
        for name in FLOAT_LOGITS_CASES:
            for q in FLOAT_QUANTIZATIONS:
                with tempfile.TemporaryDirectory() as work:
                    save("logits_%s_%s" % (name, q),
                         decode_logits(sys.argv[2], os.path.join(models, name), LOGITS_IDS, work, q))
        if os.path.basename(os.path.normpath(out_dir)) == "avx2":
            google_models = os.path.join(models, "..", "google", "models")
            for name in INT4_LOGITS_CASES:
                for tag, q in INT4_QUANTIZATIONS:
                    with tempfile.TemporaryDirectory() as work:
                        save("logits_%s_%s" % (name, tag),
                             decode_logits(sys.argv[2], os.path.join(google_models, name), LOGITS_IDS, work, q,
                                           ("--int4-embedding", "--min-agreement", "0.2")))
        import json
        google = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "google")
        for name in GOOGLE_FILE_CASES:
            with open(os.path.join(google, name + ".reference.json")) as f:
                ref = json.load(f)
            save("google_" + name, google_file_logits(sys.argv[2], os.path.join(google, name + ".litertlm"),
                                                      ref["prompt_ids"], ref["decode_ids"]).reshape(-1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
