#!/usr/bin/env python3
"""chat_ctypes: liblitertlm from Python through its C ABI and ctypes. No build step, no package:
only this file and the installed (or built) shared library.

  python3 examples/chat_ctypes.py MODEL [--prompt TEXT]... [--max-tokens N] [--temperature T]
                                  [--top-k K] [--top-p P] [--seed S] [--stop TEXT]... [--json]

Each --prompt is one user turn of the same conversation; without --prompt every line of stdin is
one. Answers stream to stdout; --json prints one object per answer instead (text, finish_reason,
prompt/reused/generated/context token counts). Ctrl-C stops the current answer.

The library: $LITERTLM_LIBRARY (a path to liblitertlm.so), else the installed one (pkg-config's
litertlm-c libdir, then the dynamic linker's search path).
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import subprocess
import sys

# ---- the C ABI's types (include/litertlm/c/litertlm.h) ----

OK = 0
ROLE_USER = 1


class EngineOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("num_threads", ctypes.c_int32),
                ("lock_in_memory", ctypes.c_int32)]


class GenerateOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("max_tokens", ctypes.c_int32),
                ("temperature", ctypes.c_float), ("top_k", ctypes.c_int32),
                ("top_p", ctypes.c_float), ("seed", ctypes.c_int64),
                ("stop_strings", ctypes.POINTER(ctypes.c_char_p)),
                ("num_stop_strings", ctypes.c_size_t), ("enable_thinking", ctypes.c_int32),
                ("reserved", ctypes.c_int32)]


class GenerationStats(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("prompt_tokens", ctypes.c_int32),
                ("reused_tokens", ctypes.c_int32), ("generated_tokens", ctypes.c_int32),
                ("context_tokens", ctypes.c_int32), ("prefill_seconds", ctypes.c_double),
                ("time_to_first_token_seconds", ctypes.c_double),
                ("decode_seconds", ctypes.c_double),
                ("prefill_tokens_per_second", ctypes.c_double),
                ("decode_tokens_per_second", ctypes.c_double)]


# int (*)(const char* text, size_t length, void* user_data)
StreamCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_char), ctypes.c_size_t,
                                  ctypes.c_void_p)


def find_library():
    path = os.environ.get("LITERTLM_LIBRARY")
    if path:
        return path
    try:  # the installed package
        libdir = subprocess.run(["pkg-config", "--variable=libdir", "litertlm-c"],
                                capture_output=True, text=True, check=True).stdout.strip()
        candidate = os.path.join(libdir, "liblitertlm.so")
        if os.path.exists(candidate):
            return candidate
    except (OSError, subprocess.CalledProcessError):
        pass
    name = ctypes.util.find_library("litertlm")
    if name:
        return name
    sys.exit("cannot find liblitertlm: set LITERTLM_LIBRARY=/path/to/liblitertlm.so "
             "or install the package (pkg-config litertlm-c)")


def load(path):
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        sys.exit("cannot load liblitertlm: %s" % e)
    p, status = ctypes.c_void_p, ctypes.c_int
    signatures = {
        "litertlm_version": (ctypes.c_char_p, []),
        "litertlm_last_error": (ctypes.c_char_p, []),
        "litertlm_status_name": (ctypes.c_char_p, [status]),
        "litertlm_finish_reason_name": (ctypes.c_char_p, [ctypes.c_int]),
        "litertlm_engine_options_init": (None, [ctypes.POINTER(EngineOptions)]),
        "litertlm_engine_create": (status, [ctypes.c_char_p, ctypes.POINTER(EngineOptions),
                                            ctypes.POINTER(p)]),
        "litertlm_engine_destroy": (None, [p]),
        "litertlm_session_create": (status, [p, p, ctypes.POINTER(p)]),
        "litertlm_session_destroy": (None, [p]),
        "litertlm_session_add_message": (status, [p, ctypes.c_int, ctypes.c_char_p]),
        "litertlm_generate_options_init": (None, [ctypes.POINTER(GenerateOptions)]),
        "litertlm_session_generate": (status, [p, ctypes.POINTER(GenerateOptions), StreamCallback,
                                               p, ctypes.POINTER(p)]),
        "litertlm_session_cancel": (None, [p]),
        "litertlm_result_text": (ctypes.c_void_p, [p, ctypes.POINTER(ctypes.c_size_t)]),
        "litertlm_result_finish_reason": (ctypes.c_int, [p]),
        "litertlm_result_stats": (status, [p, ctypes.POINTER(GenerationStats)]),
        "litertlm_result_destroy": (None, [p]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


class LitertlmError(RuntimeError):
    pass


def check(lib, status):
    """Raises with the library's message (its thread-local last error) when status is not OK."""
    if status != OK:
        raise LitertlmError("%s: %s" % (lib.litertlm_status_name(status).decode(),
                                        lib.litertlm_last_error().decode("utf-8", "replace")))


def generate(lib, session, options, stream):
    """One answer: streams pieces to `stream` (None: silent); returns a dict like the CLI's --json."""
    def on_text(text, length, _user_data):
        try:
            if stream is not None:
                stream.write(ctypes.string_at(text, length).decode("utf-8"))
                stream.flush()
            return 1
        except KeyboardInterrupt:
            return 0  # stop this answer (finish_reason "cancelled")

    callback = StreamCallback(on_text)  # must stay referenced for the whole call
    result = ctypes.c_void_p()
    check(lib, lib.litertlm_session_generate(session, ctypes.byref(options), callback, None,
                                             ctypes.byref(result)))
    try:
        length = ctypes.c_size_t()
        text = ctypes.string_at(lib.litertlm_result_text(result, ctypes.byref(length)), length.value)
        stats = GenerationStats(struct_size=ctypes.sizeof(GenerationStats))
        check(lib, lib.litertlm_result_stats(result, ctypes.byref(stats)))
        reason = lib.litertlm_finish_reason_name(lib.litertlm_result_finish_reason(result))
        return {"text": text.decode("utf-8"), "finish_reason": reason.decode(),
                "prompt_tokens": stats.prompt_tokens, "reused_tokens": stats.reused_tokens,
                "generated_tokens": stats.generated_tokens, "context_tokens": stats.context_tokens}
    finally:
        lib.litertlm_result_destroy(result)


def generate_options(lib, args):
    options = GenerateOptions()
    lib.litertlm_generate_options_init(ctypes.byref(options))  # every field: the model's default
    options.max_tokens = args.max_tokens
    if args.temperature is not None:
        options.temperature = args.temperature
    if args.top_k is not None:
        options.top_k = args.top_k
    if args.top_p is not None:
        options.top_p = args.top_p
    if args.seed is not None:
        options.seed = args.seed
    if args.stop:
        stops = (ctypes.c_char_p * len(args.stop))(*[s.encode() for s in args.stop])
        options.stop_strings = ctypes.cast(stops, ctypes.POINTER(ctypes.c_char_p))
        options.num_stop_strings = len(args.stop)
        options._stops = stops  # keep the array alive as long as the options
    return options


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help=".litertlm file or Hugging Face checkpoint directory")
    parser.add_argument("--prompt", action="append", help="a user turn (repeatable)")
    parser.add_argument("--max-tokens", type=int, default=0)
    parser.add_argument("--temperature", type=float)
    parser.add_argument("--top-k", type=int)
    parser.add_argument("--top-p", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--stop", action="append", help="stop string (repeatable)")
    parser.add_argument("--json", action="store_true", help="one JSON object per answer")
    return parser.parse_args()


def main(lib, args):
    print("liblitertlm %s" % lib.litertlm_version().decode(), file=sys.stderr)
    engine_options = EngineOptions()
    lib.litertlm_engine_options_init(ctypes.byref(engine_options))
    engine, session = ctypes.c_void_p(), ctypes.c_void_p()
    try:
        check(lib, lib.litertlm_engine_create(args.model.encode(), ctypes.byref(engine_options),
                                              ctypes.byref(engine)))
        check(lib, lib.litertlm_session_create(engine, None, ctypes.byref(session)))
        options = generate_options(lib, args)
        turns = args.prompt if args.prompt else (line.rstrip("\n") for line in sys.stdin)
        for turn in turns:
            if not turn.strip():
                continue
            check(lib, lib.litertlm_session_add_message(session, ROLE_USER, turn.encode()))
            answer = generate(lib, session, options, None if args.json else sys.stdout)
            if args.json:
                print(json.dumps(answer, ensure_ascii=False), flush=True)
            else:
                print(flush=True)
                print("[%d tokens, finish: %s]" % (answer["generated_tokens"], answer["finish_reason"]),
                      file=sys.stderr)
    except LitertlmError as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        lib.litertlm_session_destroy(session)  # both accept NULL
        lib.litertlm_engine_destroy(engine)
    return 0


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(main(load(find_library()), arguments))
