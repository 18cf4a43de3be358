#!/usr/bin/env python3
"""Writes a random-weight GGUF with the REAL shapes of Qwen3-0.6B / Gemma3-270M / Gemma3-1B.

The llama.cpp side of the random-weight speed benchmarks (issue 7): speed does not depend on
weight values, so llama.cpp runs this file while our engine runs the same shapes written as a
Hugging Face checkpoint by tests/tools/make_random_checkpoint.py. The hyper-parameters and the
tensor list are imported from that script (ARCHS, tensor_shapes), so the two sides cannot drift;
Hugging Face tensor names are mapped to llama.cpp's with the `gguf` package's TensorNameMap.

Runs with the reference venv (numpy, gguf 0.19, llama-cpp-python for --quantize):
  /opt/reftools/bin/python benchmarks/tools/make_random_gguf.py --arch qwen3-0.6b \\
      --out /tmp/rgguf/qwen3-0.6b-random-q8_0.gguf --quantize Q8_0
  /opt/reftools/bin/python benchmarks/tools/make_random_gguf.py --arch gemma3-1b \\
      --out /tmp/rgguf/gemma3-1b-random-q4_0.gguf --quantize Q4_0

What is written:
- architecture `qwen3` or `gemma3` with the metadata llama.cpp's loader reads (context length,
  embedding length, block count, feed-forward length, head counts, key/value length, RMS epsilon,
  RoPE base; for gemma3 the sliding window — llama.cpp fixes the 5:1 local/global pattern and the
  local RoPE base 10000 itself, which match these configs).
- the real tokenizer vocabulary from $LITERTLM_SHARED_DIR/fixtures/tokenizers (default
  /work/shared): Qwen3 as a `gpt2` BPE vocabulary (pre-tokenizer `qwen2`, merges), padded with
  `[PADn]` tokens (type UNUSED) to the model's 151936 rows; Gemma 3 as a `llama` (SentencePiece)
  vocabulary of 262144 pieces. tokenizer.json carries no SentencePiece scores or piece types, so
  they are approximated: byte pieces <0xNN> are BYTE with score 0; added tokens are CONTROL when
  special or <unusedN>/<mask>, else USER_DEFINED (raw text, "▁" back to " "), score -1000;
  normal pieces score -(their rank).
  Enough for llama.cpp to load the file and tokenize text; the benchmarks feed token ids anyway.
- weights: F16, random sign, magnitude in [2^-7, 2^-5) (std ~0.02, built from random bits with a
  fixed seed); norm weights F32 1.0 (Gemma's checkpoint stores w with scale 1 + w; llama.cpp's
  GGUF stores the scale itself, as its converter does); embeddings tied (no output.weight).
  Tensors are generated one at a time while writing, so memory stays at the largest tensor
  (the 262144 x 1152 embedding, ~600 MB in F16).
- --quantize Q8_0|Q4_0 then runs llama.cpp's own quantizer (llama_cpp.llama_model_quantize) on
  the F16 file (a temporary next to --out, deleted afterwards unless --keep-f16 PATH is given),
  with llama.cpp's default type mix (Q4_0 keeps the tied token_embd, which is also the output
  matrix, in Q6_K, like every llama.cpp Q4_0 file) unless --pure.
"""

import argparse
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import gguf
import numpy as np

REPO = Path(__file__).resolve().parents[2]
GGUF_ARCH = {"qwen3": gguf.MODEL_ARCH.QWEN3, "gemma3_text": gguf.MODEL_ARCH.GEMMA3}
GGUF_ARCH_NAME = {"qwen3": "qwen3", "gemma3_text": "gemma3"}
FTYPES = {"F16": None, "Q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0", "Q4_0": "LLAMA_FTYPE_MOSTLY_Q4_0"}
TOKENIZER_DIR = {"qwen3": "qwen3", "gemma3_text": "gemma3"}
BYTE_PIECE = re.compile(r"<0x[0-9A-F]{2}>")
GEMMA_CONTROL = re.compile(r"<unused\d+>|<mask>")


def load_checkpoint_tool():
  """Imports tests/tools/make_random_checkpoint.py (the single source of the shapes)."""
  path = REPO / "tests" / "tools" / "make_random_checkpoint.py"
  spec = importlib.util.spec_from_file_location("make_random_checkpoint", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def tokenizer_json(cfg):
  shared = Path(os.environ.get("LITERTLM_SHARED_DIR", "/work/shared"))
  path = shared / "fixtures" / "tokenizers" / TOKENIZER_DIR[cfg["model_type"]] / "tokenizer.json"
  with open(path, encoding="utf-8") as f:
    return json.load(f)


def pieces_by_id(tok, vocab_size):
  """{id: (text, added_token_dict_or_None)} for ids < vocab_size (added tokens win)."""
  pieces = {i: (s, None) for s, i in tok["model"]["vocab"].items() if i < vocab_size}
  for added in tok["added_tokens"]:
    if added["id"] < vocab_size:
      pieces[added["id"]] = (added["content"], added)
  return pieces


def add_qwen_vocab(w, cfg, tok):
  n = cfg["vocab_size"]
  pieces = pieces_by_id(tok, n)
  tokens, types = [], []
  for i in range(n):
    text, added = pieces.get(i, (f"[PAD{i}]", "pad"))
    tokens.append(text)
    if added == "pad":
      types.append(gguf.TokenType.UNUSED)
    elif added is None:
      types.append(gguf.TokenType.NORMAL)
    else:
      types.append(gguf.TokenType.CONTROL if added["special"] else gguf.TokenType.USER_DEFINED)
  w.add_tokenizer_model("gpt2")
  w.add_tokenizer_pre("qwen2")
  w.add_token_list(tokens)
  w.add_token_types(types)
  w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]])
  w.add_bos_token_id(cfg["bos_token_id"])
  w.add_eos_token_id(cfg["eos_token_id"])
  w.add_pad_token_id(cfg["bos_token_id"])  # <|endoftext|>, as in the Hub tokenizer_config
  w.add_add_bos_token(False)


def add_gemma_vocab(w, cfg, tok):
  n = cfg["vocab_size"]
  pieces = pieces_by_id(tok, n)
  missing = [i for i in range(n) if i not in pieces]
  if missing:
    sys.exit(f"gemma3 tokenizer.json lacks ids {missing[:5]}...")
  tokens, types, scores, rank = [], [], [], 0
  for i in range(n):
    text, added = pieces[i]
    if BYTE_PIECE.fullmatch(text):
      tokens.append(text)
      types.append(gguf.TokenType.BYTE)
      scores.append(0.0)
    elif added is not None:
      control = added["special"] or GEMMA_CONTROL.fullmatch(text)
      # SentencePiece keeps user-defined pieces as raw text ("  "), tokenizer.json as "▁▁".
      tokens.append(text if control else text.replace("\u2581", " "))
      types.append(gguf.TokenType.CONTROL if control else gguf.TokenType.USER_DEFINED)
      scores.append(-1000.0)
    else:
      tokens.append(text)
      types.append(gguf.TokenType.NORMAL)
      scores.append(-float(rank))
      rank += 1
  w.add_tokenizer_model("llama")
  w.add_tokenizer_pre("default")
  w.add_token_list(tokens)
  w.add_token_scores(scores)
  w.add_token_types(types)
  w.add_bos_token_id(cfg["bos_token_id"])
  eos = cfg["eos_token_id"]
  w.add_eos_token_id(eos[0] if isinstance(eos, list) else eos)
  w.add_unk_token_id(tok["model"]["vocab"]["<unk>"])
  w.add_pad_token_id(cfg["pad_token_id"])
  w.add_add_bos_token(True)
  w.add_add_eos_token(False)
  w.add_add_space_prefix(False)


def add_hparams(w, arch, cfg):
  w.add_name(f"random-weight {arch} shapes")
  w.add_context_length(cfg["max_position_embeddings"])
  w.add_embedding_length(cfg["hidden_size"])
  w.add_block_count(cfg["num_hidden_layers"])
  w.add_feed_forward_length(cfg["intermediate_size"])
  w.add_head_count(cfg["num_attention_heads"])
  w.add_head_count_kv(cfg["num_key_value_heads"])
  w.add_key_length(cfg["head_dim"])
  w.add_value_length(cfg["head_dim"])
  w.add_rope_dimension_count(cfg["head_dim"])
  w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
  w.add_rope_freq_base(float(cfg["rope_theta"]))
  if cfg["model_type"] == "gemma3_text":
    w.add_sliding_window(cfg["sliding_window"])
  w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)


def gguf_tensors(tool, cfg):
  """[(gguf_name, hf_shape, kind)] in the checkpoint tool's order."""
  names = gguf.get_tensor_name_map(GGUF_ARCH[cfg["model_type"]], cfg["num_hidden_layers"])
  out = []
  for hf_name, shape, kind in tool.tensor_shapes(cfg):
    name = names.get_name(hf_name, try_suffixes=(".weight",))
    if name is None:
      sys.exit(f"no llama.cpp name for tensor {hf_name}")
    out.append((name, tuple(shape), kind))
  return out


def random_f16(rng, count):
  """`count` f16 values: random sign, exponent field 8 or 9, random mantissa: |x| in [2^-7, 2^-5)."""
  bits = np.frombuffer(rng.bytes(2 * count), dtype=np.uint16)
  return ((bits & np.uint16(0x87FF)) | np.uint16(0x2000)).view(np.float16)


def write_f16_gguf(path, arch, tool, seed):
  cfg = tool.ARCHS[arch]
  gemma = cfg["model_type"] == "gemma3_text"
  tensors = gguf_tensors(tool, cfg)
  w = gguf.GGUFWriter(str(path), GGUF_ARCH_NAME[cfg["model_type"]])
  add_hparams(w, arch, cfg)
  (add_gemma_vocab if gemma else add_qwen_vocab)(w, cfg, tokenizer_json(cfg))
  for name, shape, kind in tensors:
    dtype = np.float32 if kind == "norm" else np.float16
    w.add_tensor_info(name, shape, np.dtype(dtype), int(np.prod(shape)) * np.dtype(dtype).itemsize)
  w.write_header_to_file()
  w.write_kv_data_to_file()
  w.write_ti_data_to_file()
  rng = np.random.default_rng(seed)
  for name, shape, kind in tensors:
    if kind == "norm":
      w.write_tensor_data(np.ones(shape, dtype=np.float32))
    else:
      w.write_tensor_data(random_f16(rng, int(np.prod(shape))).reshape(shape))
  w.close()
  params = sum(int(np.prod(s)) for _, s, _ in tensors)
  print(f"{arch}: {len(tensors)} tensors, {params:,} parameters, F16 -> {path}", file=sys.stderr)


def quantize(src, dst, kind, threads, pure):
  import llama_cpp  # only needed here
  params = llama_cpp.llama_model_quantize_default_params()
  params.ftype = getattr(llama_cpp, FTYPES[kind])
  params.nthread = threads
  params.pure = pure
  rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), params)
  if rc != 0:
    sys.exit(f"llama_model_quantize({src} -> {dst}, {kind}) failed with {rc}")


def main():
  tool = load_checkpoint_tool()
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  ap.add_argument("--arch", required=True, choices=sorted(tool.ARCHS))
  ap.add_argument("--out", required=True, type=Path, help="GGUF file to write")
  ap.add_argument("--quantize", default="F16", choices=list(FTYPES), help="type of --out")
  ap.add_argument("--keep-f16", type=Path, help="with --quantize: keep the F16 file here")
  ap.add_argument("--threads", type=int, default=0, help="quantizer threads (0 = all cores)")
  ap.add_argument("--pure", action="store_true",
                  help="every matrix in the --quantize type (default: llama.cpp's mix, e.g. Q4_0 "
                       "keeps the tied embedding/output matrix in Q6_K)")
  ap.add_argument("--seed", type=int, default=0)
  args = ap.parse_args()
  args.out.parent.mkdir(parents=True, exist_ok=True)
  tmp = args.out.with_name(args.out.name + ".tmp")
  if args.quantize == "F16":
    write_f16_gguf(tmp, args.arch, tool, args.seed)
  else:
    f16 = args.keep_f16 or args.out.with_name(args.out.name + ".f16.tmp")
    write_f16_gguf(f16, args.arch, tool, args.seed)
    quantize(f16, tmp, args.quantize, args.threads, args.pure)
    if not args.keep_f16:
      f16.unlink()
  os.replace(tmp, args.out)
  print(f"{args.out}: {args.out.stat().st_size:,} bytes ({args.quantize})", file=sys.stderr)


if __name__ == "__main__":
  main()
