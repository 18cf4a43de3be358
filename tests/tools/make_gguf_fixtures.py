#!/usr/bin/env python3
"""Writes tests/golden/gguf/dequant_fixtures.gguf: reference data for the C++ GGUF reader and
dequantizer tests, made with the PyPI `gguf` package (the format's reference Python code).

For every GGML type listed in TYPES the file holds
  q.<TYPE>        the encoded tensor (shape [ROWS, COLS] in numpy order), and
  expected.<TYPE> an F32 tensor of the same shape: gguf.quants.dequantize(q.<TYPE>).
Legacy types and BF16 are encoded with gguf.quants.quantize() from seeded normal data; the
k-quants (gguf-py has decoders but no encoders for them) are random bytes with the f16 scales set to
finite values, which exercises every bit of the packing. The metadata holds one key of every value
type (and arrays of strings / floats / ints / bools) with known values that
gguf_reader_test.cc checks.

Also writes tests/golden/gguf/tiny_gemma3.gguf: a one-layer gemma3 model laid out as llama.cpp's
converter writes it (metadata keys, tensor names, ne order, norms stored as 1 + w with w
bf16-representable, mixed Q8_0 / Q4_K / Q5_0 / Q6_K / F32 tensors, a small SentencePiece-style
vocabulary), so the weight source is tested on a file from an independent writer; it is also a
seed for the GGUF fuzzer.

Run (see tests/golden/gguf/MANIFEST.md for versions):
  /opt/reftools/bin/python tests/tools/make_gguf_fixtures.py tests/golden/gguf
"""
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T, GGUFValueType as V
from gguf.quants import quantize, dequantize
from gguf.constants import GGML_QUANT_SIZES

ROWS = 3
LEGACY_COLS = 96     # 3 blocks of 32 per row
KQUANT_COLS = 512    # 2 super-blocks of 256 per row

QUANTIZABLE = [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0]
RANDOM_BYTES = [T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K]

# Byte offsets of the f16 scale fields inside one block (from gguf/quants.py block layouts).
F16_FIELDS = {
    T.Q2_K: [80, 82],   # scales[16] qs[64] d dmin
    T.Q3_K: [108],      # hmask[32] qs[64] scales[12] d
    T.Q4_K: [0, 2],     # d dmin scales[12] qs[128]
    T.Q5_K: [0, 2],     # d dmin scales[12] qh[32] qs[128]
    T.Q6_K: [208],      # ql[128] qh[64] scales[16] d
}


def encoded(rng, qtype):
    if qtype in QUANTIZABLE:
        data = rng.normal(0.0, 1.0, size=(ROWS, LEGACY_COLS)).astype(np.float32)
        data[0, :5] = [0.0, -0.0, 1e-8, -65504.0, 3.0e4]  # zeros, tiny (f16 subnormal/zero), large
        if qtype == T.F32:
            return data
        if qtype == T.F16:
            return data.astype(np.float16)
        return quantize(data, qtype)
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    n_blocks = ROWS * KQUANT_COLS // block_size
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for off in F16_FIELDS[qtype]:
        scale = rng.uniform(-0.05, 0.05, size=n_blocks).astype(np.float16)
        raw[:, off:off + 2] = scale.view(np.uint8).reshape(n_blocks, 2)
    return raw.reshape(ROWS, KQUANT_COLS // block_size * type_size)


def reference(q, qtype):
    if qtype == T.F32:
        return q
    if qtype == T.F16:
        return q.astype(np.float32)
    return dequantize(q, qtype).astype(np.float32, copy=False)


def add_metadata(w):
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_float32("test.f32", 0.15625)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo wörld")
    w.add_uint64("test.u64", 18000000000000000000)
    w.add_int64("test.i64", -9000000000000000000)
    w.add_float64("test.f64", -2.5e-300)
    w.add_array("test.array.string", ["a", "", "▁the", "<0x0A>"])
    w.add_key_value("test.array.f32", [1.5, -2.0, 0.1], V.ARRAY, sub_type=V.FLOAT32)
    w.add_key_value("test.array.i32", [1, -2, 2147483647], V.ARRAY, sub_type=V.INT32)
    w.add_key_value("test.array.u8", [0, 255], V.ARRAY, sub_type=V.UINT8)
    w.add_key_value("test.array.bool", [True, False, True], V.ARRAY, sub_type=V.BOOL)


def add_tiny_gemma3(out_dir, rng):
    hidden, heads, kv_heads, head_dim, ffn, vocab = 256, 2, 1, 128, 256, 300
    w = gguf.GGUFWriter(str(Path(out_dir) / "tiny_gemma3.gguf"), arch="gemma3")
    w.add_context_length(32768)
    w.add_embedding_length(hidden)
    w.add_block_count(1)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(1000000.0)
    w.add_sliding_window(512)
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    tokens = ["<pad>", "<eos>", "<bos>", "<unk>"] + [f"<0x{i:02X}>" for i in range(256)]
    tokens += [f"\u2581tok{i}" for i in range(vocab - len(tokens))]
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * 4 + [0.0] * 256 + [-float(i) for i in range(vocab - 260)])
    w.add_token_types([3, 3, 3, 2] + [6] * 256 + [1] * (vocab - 260))
    w.add_bos_token_id(2)
    w.add_eos_token_id(1)
    w.add_unk_token_id(3)
    w.add_pad_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template("{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}")

    def weight(name, out_dim, in_dim, qtype):
        data = rng.normal(0.0, 0.02, size=(out_dim, in_dim)).astype(np.float32)
        if qtype in (T.Q4_K, T.Q6_K):  # no gguf-py encoder: random blocks with small scales
            block, size = GGML_QUANT_SIZES[qtype]
            n = out_dim * in_dim // block
            raw = rng.integers(0, 256, size=(n, size), dtype=np.uint8)
            for off in F16_FIELDS[qtype]:
                raw[:, off:off + 2] = rng.uniform(0, 1e-3, n).astype(np.float16).view(np.uint8).reshape(n, 2)
            w.add_tensor(name, raw.reshape(out_dim, -1), raw_dtype=qtype)
        else:
            w.add_tensor(name, quantize(data, qtype), raw_dtype=qtype)

    def norm(name, n):
        hf = rng.normal(0.0, 0.5, size=n).astype(np.float32)
        hf = (hf.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32)  # bf16 values, as HF
        w.add_tensor(name, hf + np.float32(1.0))  # llama.cpp's gemma3 norm_shift

    weight("token_embd.weight", vocab, hidden, T.Q8_0)
    weight("blk.0.attn_q.weight", heads * head_dim, hidden, T.Q4_K)
    weight("blk.0.attn_k.weight", kv_heads * head_dim, hidden, T.Q5_0)
    weight("blk.0.attn_v.weight", kv_heads * head_dim, hidden, T.Q8_0)
    weight("blk.0.attn_output.weight", hidden, heads * head_dim, T.Q4_K)
    weight("blk.0.ffn_gate.weight", ffn, hidden, T.Q5_0)
    weight("blk.0.ffn_up.weight", ffn, hidden, T.Q5_0)
    weight("blk.0.ffn_down.weight", hidden, ffn, T.Q6_K)
    norm("blk.0.attn_q_norm.weight", head_dim)
    norm("blk.0.attn_k_norm.weight", head_dim)
    norm("blk.0.attn_norm.weight", hidden)
    norm("blk.0.post_attention_norm.weight", hidden)
    norm("blk.0.ffn_norm.weight", hidden)
    norm("blk.0.post_ffw_norm.weight", hidden)
    norm("output_norm.weight", hidden)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main(out_dir):
    out = Path(out_dir) / "dequant_fixtures.gguf"
    rng = np.random.default_rng(20261123)
    w = gguf.GGUFWriter(str(out), arch="test")
    add_metadata(w)
    for qtype in QUANTIZABLE + RANDOM_BYTES:
        q = encoded(rng, qtype)
        ref = reference(q, qtype)
        assert np.isfinite(ref).all(), qtype.name
        raw_dtype = qtype if q.dtype == np.uint8 else None
        w.add_tensor(f"q.{qtype.name}", q, raw_dtype=raw_dtype)
        w.add_tensor(f"expected.{qtype.name}", np.ascontiguousarray(ref, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    add_tiny_gemma3(out_dir, rng)
    print(f"wrote {Path(out_dir) / 'tiny_gemma3.gguf'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/golden/gguf")
