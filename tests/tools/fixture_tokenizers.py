"""Tiny tokenizers for the model fixtures (used by make_model_fixtures.py).

Qwen fixtures get a byte-level BPE `tokenizer.json` trained with `tokenizers`, carrying the real
Qwen3 normalizer / pre-tokenizer / decoder / post-processor and Qwen's added tokens.
Gemma fixtures get a SentencePiece BPE `tokenizer.model` trained with `sentencepiece` (byte
fallback, Gemma's special ids), plus the `tokenizer.json` transformers converts it to.

Both tokenizers are trained on TRAINING_TEXT below, so the outputs do not depend on files on the
machine other than the real Qwen3/Gemma3 tokenizer files in $LITERTLM_SHARED_DIR (default
/work/shared), from which only configuration (no vocabulary) is copied.
"""

import copy
import io
import json
import os

TRAINING_TEXT = """\
The quick brown fox jumps over the lazy dog. A small model can still learn a few words.
What is the capital of France? The capital of France is Paris, a city on the river Seine.
Tokenizers split text into pieces; each piece has an id, and the model only ever sees ids.
Hello, world! How are you today? I am fine, thank you. Let us write some tests for the runtime.
Numbers such as 1, 2, 3, 42, 100 and 2024 appear in text, and so do dates like 23 November.
The weather is nice in the morning and rainy in the evening. We walked to the station together.
She said that the answer was simple: read the file, parse the header, and check every offset.
In the beginning the system loads the model, then it prefills the prompt and decodes new tokens.
A language model predicts the next token from the previous ones. The cache keeps keys and values.
Good tests are small, fast and exact. They fail when the code is wrong and pass when it is right.
This is a story about a cat who lived in a house by the sea. Every day the cat watched the boats.
The children played in the garden while their parents talked about the news of the week.
Computers store numbers as bits; floating point numbers have a sign, an exponent and a mantissa.
When you think about it, most of the work is reading and writing memory, not doing arithmetic.
Please answer the question in one sentence. Then explain your reasoning in two more sentences.
Où est la gare ? Straße, naïve café, 東京, emoji 🙂 and other non-ASCII text must round-trip.
"""

QWEN_SHARED = "fixtures/tokenizers/qwen3"
GEMMA_SHARED = "fixtures/tokenizers/gemma3"


def shared_dir():
  return os.environ.get("LITERTLM_SHARED_DIR", "/work/shared")


def _training_lines():
  # Repeat the text so every merge has enough counts to be stable.
  lines = [l for l in TRAINING_TEXT.splitlines() if l]
  return lines * 4


# --------------------------------------------------------------------------- Qwen (tokenizers BPE)

def make_qwen_tokenizer(vocab_size, out_dir):
  """Writes tokenizer.json + tokenizer_config.json; returns {token: id} of the added tokens."""
  from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, decoders, trainers, Regex

  real = json.load(open(os.path.join(shared_dir(), QWEN_SHARED, "tokenizer.json"), encoding="utf-8"))
  real_cfg = json.load(open(os.path.join(shared_dir(), QWEN_SHARED, "tokenizer_config.json"),
                            encoding="utf-8"))
  added = real["added_tokens"]
  base_size = vocab_size - len(added)

  tok = Tokenizer(models.BPE())
  tok.normalizer = normalizers.NFC()
  split_regex = real["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
  tok.pre_tokenizer = pre_tokenizers.Sequence([
      pre_tokenizers.Split(Regex(split_regex), behavior="isolated", invert=False),
      pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
  ])
  tok.decoder = decoders.ByteLevel()
  trainer = trainers.BpeTrainer(vocab_size=base_size, min_frequency=2, show_progress=False,
                                initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                special_tokens=[])
  tok.train_from_iterator(_training_lines(), trainer=trainer)
  got = tok.get_vocab_size()
  if got != base_size:
    raise RuntimeError(f"Qwen BPE trained {got} tokens, wanted {base_size}")

  data = json.loads(tok.to_str())
  # Real Qwen3 configuration, verbatim.
  for key in ("normalizer", "pre_tokenizer", "post_processor", "decoder", "truncation", "padding"):
    data[key] = copy.deepcopy(real[key])
  for key, value in real["model"].items():
    if key not in ("vocab", "merges"):
      data["model"][key] = copy.deepcopy(value)
  new_added = []
  added_ids = {}
  for i, entry in enumerate(added):
    e = copy.deepcopy(entry)
    e["id"] = base_size + i
    new_added.append(e)
    added_ids[e["content"]] = e["id"]
  data["added_tokens"] = new_added
  with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(data, f, ensure_ascii=False, indent=2)
    f.write("\n")

  cfg = copy.deepcopy(real_cfg)
  cfg["added_tokens_decoder"] = {
      str(e["id"]): {k: e[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word",
                                        "special")} for e in new_added}
  cfg["model_max_length"] = 131072
  with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
    json.dump(cfg, f, ensure_ascii=False, indent=2)
    f.write("\n")

  # Check: the saved file loads and reproduces the training tokenization, and ids are in range.
  check = Tokenizer.from_file(os.path.join(out_dir, "tokenizer.json"))
  if check.get_vocab_size(with_added_tokens=True) != vocab_size:
    raise RuntimeError("Qwen tokenizer size mismatch")
  text = "<|im_start|>user\nHello, world! 東京 🙂<|im_end|>\n"
  ids = check.encode(text).ids
  assert check.decode(ids, skip_special_tokens=False) == text, check.decode(ids)
  assert ids[0] == added_ids["<|im_start|>"] and added_ids["<|im_end|>"] in ids
  return added_ids


# --------------------------------------------------------------------------- Llama 3 (tokenizers BPE)

# Llama 3.x special tokens in their real order (ids 128000-128010 in the real vocabulary).
LLAMA3_ADDED = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>",
                "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
                "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"]

# The Llama 3 instruct chat template (Meta-Llama-3-*-Instruct tokenizer_config.json).
LLAMA3_CHAT_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{% endif %}")


def make_llama_tokenizer(vocab_size, out_dir):
  """Writes a Llama 3 style tokenizer.json + tokenizer_config.json: byte-level BPE trained on
  TRAINING_TEXT (pre-tokenizer and decoder configuration from the real Qwen3 file, which is
  byte-level like Llama 3's), the Llama 3 special tokens after it, and a TemplateProcessing
  post-processor that adds <|begin_of_text|> as Llama 3's does. Returns {token: id}."""
  from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers, Regex

  real = json.load(open(os.path.join(shared_dir(), QWEN_SHARED, "tokenizer.json"), encoding="utf-8"))
  base_size = vocab_size - len(LLAMA3_ADDED)
  tok = Tokenizer(models.BPE())
  split_regex = real["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
  tok.pre_tokenizer = pre_tokenizers.Sequence([
      pre_tokenizers.Split(Regex(split_regex), behavior="isolated", invert=False),
      pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
  ])
  tok.decoder = decoders.ByteLevel()
  trainer = trainers.BpeTrainer(vocab_size=base_size, min_frequency=2, show_progress=False,
                                initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                special_tokens=[])
  tok.train_from_iterator(_training_lines(), trainer=trainer)
  if tok.get_vocab_size() != base_size:
    raise RuntimeError(f"Llama BPE trained {tok.get_vocab_size()} tokens, wanted {base_size}")

  data = json.loads(tok.to_str())
  data["normalizer"] = None
  for key in ("pre_tokenizer", "decoder"):
    data[key] = copy.deepcopy(real[key])
  added_ids = {t: base_size + i for i, t in enumerate(LLAMA3_ADDED)}
  data["added_tokens"] = [
      {"id": added_ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
       "normalized": False, "special": True} for t in LLAMA3_ADDED]
  bos = "<|begin_of_text|>"
  data["post_processor"] = {
      "type": "Sequence",
      "processors": [
          {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
           "use_regex": True},
          {"type": "TemplateProcessing",
           "single": [{"SpecialToken": {"id": bos, "type_id": 0}},
                      {"Sequence": {"id": "A", "type_id": 0}}],
           "pair": [{"SpecialToken": {"id": bos, "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": bos, "type_id": 1}},
                    {"Sequence": {"id": "B", "type_id": 1}}],
           "special_tokens": {bos: {"id": bos, "ids": [added_ids[bos]], "tokens": [bos]}}}]}
  with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(data, f, ensure_ascii=False, indent=2)
    f.write("\n")

  cfg = {
      "added_tokens_decoder": {
          str(e["id"]): {k: e[k] for k in ("content", "lstrip", "normalized", "rstrip",
                                            "single_word", "special")}
          for e in data["added_tokens"]},
      "bos_token": bos,
      "chat_template": LLAMA3_CHAT_TEMPLATE,
      "clean_up_tokenization_spaces": True,
      "eos_token": "<|eot_id|>",
      "model_input_names": ["input_ids", "attention_mask"],
      "model_max_length": 131072,
      "tokenizer_class": "PreTrainedTokenizerFast",
  }
  with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
    json.dump(cfg, f, ensure_ascii=False, indent=2)
    f.write("\n")

  check = Tokenizer.from_file(os.path.join(out_dir, "tokenizer.json"))
  if check.get_vocab_size(with_added_tokens=True) != vocab_size:
    raise RuntimeError("Llama tokenizer size mismatch")
  text = "<|start_header_id|>user<|end_header_id|>\n\nHello, world! 東京 🙂<|eot_id|>"
  ids = check.encode(text).ids
  assert ids[0] == added_ids[bos] and ids[1] == added_ids["<|start_header_id|>"], ids
  assert check.decode(ids[1:], skip_special_tokens=False) == text, check.decode(ids)
  return added_ids


# --------------------------------------------------------------------------- Gemma (sentencepiece)

GEMMA_FILLERS = ["<mask>", "[multimodal]"] + [f"<unused{i}>" for i in range(99)]  # ids 4..104


def make_gemma_tokenizer(vocab_size, out_dir):
  """Writes tokenizer.model (+ tokenizer.json, tokenizer_config.json); returns special ids."""
  import sentencepiece as spm

  user_symbols = GEMMA_FILLERS + ["<start_of_turn>", "<end_of_turn>"]
  model = io.BytesIO()
  spm.SentencePieceTrainer.train(
      sentence_iterator=iter(_training_lines()), model_writer=model,
      model_type="bpe", vocab_size=vocab_size, byte_fallback=True,
      pad_id=0, eos_id=1, bos_id=2, unk_id=3,
      pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>", unk_piece="<unk>",
      user_defined_symbols=user_symbols,
      # Gemma's normalisation settings: no dummy prefix, keep whitespace, identity normaliser.
      add_dummy_prefix=False, remove_extra_whitespaces=False, normalization_rule_name="identity",
      split_digits=True, allow_whitespace_only_pieces=True, character_coverage=1.0,
      num_threads=1, minloglevel=2)
  path = os.path.join(out_dir, "tokenizer.model")
  with open(path, "wb") as f:
    f.write(model.getvalue())

  sp = spm.SentencePieceProcessor(model_file=path)
  want = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<start_of_turn>": 105,
          "<end_of_turn>": 106}
  for piece, pid in want.items():
    if sp.piece_to_id(piece) != pid:
      raise RuntimeError(f"{piece} has id {sp.piece_to_id(piece)}, want {pid}")
  if sp.get_piece_size() != vocab_size:
    raise RuntimeError(f"SentencePiece vocab {sp.get_piece_size()} != {vocab_size}")
  text = "Hello, world! 東京 🙂 x"
  assert sp.decode(sp.encode(text)) == text

  real_cfg = json.load(open(os.path.join(shared_dir(), GEMMA_SHARED, "tokenizer_config.json"),
                            encoding="utf-8"))
  cfg = {k: real_cfg[k] for k in (
      "add_bos_token", "add_eos_token", "bos_token", "eos_token", "pad_token", "unk_token",
      "chat_template", "clean_up_tokenization_spaces", "model_max_length", "padding_side",
      "sp_model_kwargs", "spaces_between_special_tokens", "tokenizer_class",
      "use_default_system_prompt")}
  cfg["added_tokens_decoder"] = {
      str(i): {"content": sp.id_to_piece(i), "lstrip": False, "normalized": False,
               "rstrip": False, "single_word": False, "special": True}
      for i in list(range(0, 4)) + [105, 106]}
  with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
    json.dump(cfg, f, ensure_ascii=False, indent=2)
    f.write("\n")
  write_gemma_tokenizer_json(out_dir, sp)
  return want


def write_gemma_tokenizer_json(out_dir, sp):
  """Converts tokenizer.model to tokenizer.json with transformers and checks both agree."""
  import tempfile
  import shutil
  from transformers import AutoTokenizer
  from tokenizers import Tokenizer

  with tempfile.TemporaryDirectory() as tmp:
    for name in ("tokenizer.model", "tokenizer_config.json"):
      shutil.copy(os.path.join(out_dir, name), tmp)
    hf = AutoTokenizer.from_pretrained(tmp)
    hf.save_pretrained(tmp)
    shutil.copy(os.path.join(tmp, "tokenizer.json"), os.path.join(out_dir, "tokenizer.json"))
  fast = Tokenizer.from_file(os.path.join(out_dir, "tokenizer.json"))
  if fast.get_vocab_size(with_added_tokens=True) != sp.get_piece_size():
    raise RuntimeError("Gemma tokenizer.json size differs from tokenizer.model")
  for text in _training_lines()[:20] + ["  two  spaces\n\nnew lines\t tab", "東京 🙂 x"]:
    a = sp.encode(text)
    b = fast.encode(text, add_special_tokens=False).ids
    if a != b:
      raise RuntimeError(f"tokenizer.json disagrees with tokenizer.model on {text!r}: {a} vs {b}")
