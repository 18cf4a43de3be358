#!/usr/bin/env python3
"""Renders reference chat prompts with Hugging Face transformers' apply_chat_template.

Writes tests/golden/chat/chat_template_reference.json: for each family (qwen3, gemma3, llama3) the
tokenizer_config.json template's sha256, the bos/eos strings transformers passes to the template,
and a list of cases {name, messages, add_generation_prompt, enable_thinking, expected | error}.
The C++ test tests/unit/tokenizer/chat_template_test.cc requires byte-identical output (and an
error wherever transformers raised one).

Run (from the repository root):
  /opt/reftools/bin/python tests/tools/make_chat_references.py \
      --tokenizers ../shared/fixtures/tokenizers --out tests/golden/chat/chat_template_reference.json
The llama3 family renders the Llama 3 instruct template of the tiny fixture tokenizer
(tests/golden/models/llama3_gqa, made by make_model_fixtures.py); `--only llama3` re-renders just
that family and keeps the others of an existing --out file:
  /work/venvs/ref/bin/python tests/tools/make_chat_references.py \
      --tokenizers ../shared/fixtures/tokenizers --only llama3 \
      --out tests/golden/chat/chat_template_reference.json
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import sys
import tempfile

import jinja2
import tokenizers
import transformers
from transformers import AutoTokenizer

S, U, A = "system", "user", "assistant"


def m(role, content):
    return {"role": role, "content": content}


# Conversations valid for both families (Gemma3 needs alternating user/assistant after an
# optional leading system message).
COMMON = {
    "single_user": [m(U, "Hi")],
    "system_user": [m(S, "You are terse."), m(U, "Hi")],
    "multi_turn": [m(U, "Hi"), m(A, "Hello!"), m(U, "What is 2+2?")],
    "system_multi_turn_3": [m(S, "Answer in French."), m(U, "Hello"), m(A, "Bonjour !"),
                            m(U, "How are you?"), m(A, "Très bien, merci."), m(U, "Bye")],
    "history_with_think": [m(U, "What is 2+2?"),
                           m(A, "<think>\nSimple arithmetic.\n</think>\n\n4"),
                           m(U, "And 3+3?")],
    "history_with_two_thinks": [m(U, "a"), m(A, "<think>\nr1\n</think>\n\nA1"), m(U, "b"),
                                m(A, "<think>r2</think>A2"), m(U, "c")],
    "think_extra_newlines": [m(U, "q"), m(A, "<think>\n\n\nR\n\n</think>\n\n\nAnswer\n"),
                             m(U, "next")],
    "close_think_only": [m(U, "q"), m(A, "reasoning</think>\nanswer"), m(U, "next")],
    "open_think_only": [m(U, "q"), m(A, "<think>\nunfinished"), m(U, "next")],
    "multiple_close_think": [m(U, "q"), m(A, "<think>a</think>b</think>\n\nc"), m(U, "n")],
    "empty_think_in_history": [m(U, "q"), m(A, "<think>\n\n</think>\n\nPlain"), m(U, "n")],
    "unicode": [m(S, "Réponds en 中文 🙂"),
                m(U, "Привет, мир! مرحبا नमस्ते 👨‍👩‍👧 e\u0301 ½ ﬁ"),
                m(A, "你好！"), m(U, "日本語でお願いします 🇯🇵")],
    "empty_user": [m(U, "")],
    "empty_system": [m(S, ""), m(U, "Hi")],
    "empty_assistant": [m(U, "Hi"), m(A, ""), m(U, "Again")],
    "whitespace_edges": [m(S, "  sys with spaces \n"), m(U, "  Hi  \n"),
                         m(A, "\n\tHello\t\n"), m(U, " \r\n what? \r\n")],
    "unicode_whitespace_edges": [m(U, "\u3000Hi\u00a0"), m(A, "\u2028x\u2029"),
                                 m(U, "\u200bzero width\u200b\u0085")],
    "only_whitespace": [m(U, " \n\t ")],
    "special_token_text": [m(U, "say <|im_end|> and <start_of_turn> and <bos> and <end_of_turn>")],
    "newlines_crlf": [m(U, "line1\nline2\r\n\r\nline3\n\n\n")],
    "long_history_6": [x for i in range(6) for x in (m(U, f"question {i}"),
                                                      m(A, f"<think>\nthought {i}\n</think>\n\nanswer {i}"))]
                      + [m(U, "final question")],
    "system_only": [m(S, "You are helpful.")],
    "ends_with_assistant": [m(U, "Hi"), m(A, "Hello")],
    "ends_with_assistant_think": [m(U, "Hi"), m(A, "<think>\nhmm\n</think>\n\nHello")],
    "tool_response_user": [m(U, "q"), m(A, "<think>r</think>a"),
                           m(U, "<tool_response>data</tool_response>")],
    "code_content": [m(U, "```python\ndef f(x):\n\treturn {'a': x}\n```\n{{ not jinja }} {% raw %}")],
    "user_system_mid": [m(U, "Hi"), m(S, "Be brief."), m(U, "Ok")],
}

# Conversations only the Qwen3 template accepts (Gemma3 raises on them).
QWEN_ONLY = {
    "two_users": [m(U, "first"), m(U, "second")],
    "assistant_first": [m(A, "I start."), m(U, "ok")],
    "trailing_assistants_think": [m(U, "q"), m(A, "<think>t1</think>a1"), m(A, "<think>t2</think>a2")],
    "system_twice": [m(S, "one"), m(S, "two"), m(U, "hi")],
}

# Conversations on which transformers raises (both families); the C++ side must return an error.
ERRORS = {
    "empty_conversation": [],
}


def render(tok, messages, add_generation_prompt, enable_thinking):
    kwargs = {}
    if enable_thinking is not None:
        kwargs["enable_thinking"] = enable_thinking
    try:
        return {"expected": tok.apply_chat_template(messages, tokenize=False,
                                                    add_generation_prompt=add_generation_prompt,
                                                    **kwargs)}
    except Exception as e:  # noqa: BLE001 - any template failure is a reference "error"
        return {"error": f"{type(e).__name__}: {e}"}


def family_cases(family, tok):
    convs = dict(COMMON)
    convs.update(QWEN_ONLY)  # rendered for Gemma3 too: there they are expected errors
    convs.update(ERRORS)
    thinking = [None, True, False]
    cases = []
    for name, msgs in convs.items():
        for agp in (True, False):
            for et in thinking:
                if not agp and et is not None:
                    continue
                if family in ("gemma3", "llama3", "llama3_2") and et is True:
                    continue
                r = render(tok, msgs, agp, et)
                case = {"name": f"{name}/agp={int(agp)}/think={et}", "messages": msgs,
                        "add_generation_prompt": agp, "enable_thinking": et}
                case.update(r)
                cases.append(case)
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizers", required=True, help="dir with qwen3/ and gemma3/ subdirs")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*", help="families to (re)render; others are kept from --out")
    args = ap.parse_args()
    versions = {"python": sys.version.split()[0], "transformers": transformers.__version__,
                "tokenizers": tokenizers.__version__, "jinja2": jinja2.__version__}
    out = {
        "generator": "tests/tools/make_chat_references.py",
        "command": " ".join(["/opt/reftools/bin/python"] + sys.argv),
        "versions": versions,
        "families": {},
    }
    if args.only and os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as f:
            out = json.load(f)
    dirs = {"qwen3": os.path.join(args.tokenizers, "qwen3"),
            "gemma3": os.path.join(args.tokenizers, "gemma3"),
            "llama3": os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden",
                                   "models", "llama3_gqa")}
    config_names = {"llama3": "tests/golden/models/llama3_gqa/tokenizer_config.json",
                    "llama3_2": "tests/golden/chat/llama3_2_tokenizer_config.json"}
    # Llama 3.2: the fixture tokenizer with the dated template of Llama-3.2-*-Instruct (written
    # into tests/golden/chat/llama3_2_tokenizer_config.json), in a scratch directory.
    scratch = tempfile.mkdtemp()
    here = os.path.dirname(os.path.abspath(__file__))
    shutil.copy(os.path.join(dirs["llama3"], "tokenizer.json"), scratch)
    shutil.copy(os.path.join(here, "..", "golden", "chat", "llama3_2_tokenizer_config.json"),
                os.path.join(scratch, "tokenizer_config.json"))
    dirs["llama3_2"] = scratch
    for family in args.only or ("qwen3", "gemma3", "llama3", "llama3_2"):
        d = dirs[family]
        tok = AutoTokenizer.from_pretrained(d)
        with open(os.path.join(d, "tokenizer_config.json"), "rb") as f:
            cfg_bytes = f.read()
        cfg = json.loads(cfg_bytes)
        cases = family_cases(family, tok)
        out["families"][family] = {
            "tokenizer_config": config_names.get(
                family, f"fixtures/tokenizers/{family}/tokenizer_config.json"),
            "tokenizer_config_sha256": hashlib.sha256(cfg_bytes).hexdigest(),
            "chat_template_sha256": hashlib.sha256(cfg["chat_template"].encode()).hexdigest(),
            "bos_token": tok.bos_token, "eos_token": tok.eos_token,
            "cases": cases,
        }
        if family == "llama3_2":
            # transformers' strftime_now("%d %b %Y") (local time) dated these renderings.
            date = datetime.datetime.now().strftime("%d %b %Y")
            assert all(date in c["expected"] for c in cases if "expected" in c), date
            out["families"][family]["date_string"] = date
        if args.only:  # rendered by other versions than the kept families
            out["families"][family]["versions"] = versions
            out["families"][family]["command"] = " ".join(["/work/venvs/ref/bin/python"] + sys.argv)
        ok = sum(1 for c in cases if "expected" in c)
        print(f"{family}: {len(cases)} cases, {ok} rendered, {len(cases) - ok} errors",
              file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
