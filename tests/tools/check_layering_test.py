#!/usr/bin/env python3
"""Self-test of check_layering.py: it passes on a clean tree and fails on each planted violation.

Builds small source trees (and, for the symbol check, object files compiled with $CXX, default
c++) in a temporary directory and runs the checker on them.
"""
import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_layering.py")
CXX = os.environ.get("CXX", "c++")


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def clean_tree(root):
    """A tree obeying every rule."""
    write(root, "include/litertlm/status.h", "#pragma once\n")
    write(root, "liblitertlm/util/json.h", '#include "litertlm/status.h"\n')
    write(root, "liblitertlm/format/reader.h", '#include "util/json.h"\n#include "kernels/pack.h"\n')
    write(root, "liblitertlm/kernels/pack.h", '#include "tensor/dtype.h"\n')
    write(root, "liblitertlm/tensor/dtype.h", "#include <cstdint>\n#include <format>\n")
    write(root, "liblitertlm/model/weights.cc", '#include "format/reader.h"\n#include "model/x.h"\n')
    write(root, "liblitertlm/converter/c.cc", '#include "session/state.h"\n#include "hub/h.h"\n')
    write(root, "liblitertlm/api/engine.cc", '#include "converter/c.h"\n#include "model/weights.h"\n')
    write(root, "cli/main.cc", '#include "command.h"\n#include "serve/server.h"\n'
                               '#include "litertlm/status.h"\n#include <CLI/CLI.hpp>\n#include <format>\n')
    write(root, "cli/command.h", "#pragma once\n")
    write(root, "cli/serve/server.h", '#include "command.h"\n')
    write(root, "examples/generate.cc", '#include "litertlm/status.h"\n#include <iostream>\n')


def run(repo, *extra):
    return subprocess.run([sys.executable, CHECKER, "--repo", repo, *extra],
                          capture_output=True, text=True)


class IncludeCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        clean_tree(self.root)

    def tearDown(self):
        self.tmp.cleanup()

    def assertViolation(self, rel, text, expected):
        write(self.root, rel, text)
        r = run(self.root)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(expected, r.stdout)

    def test_clean_tree_passes(self):
        r = run(self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_upward_include_fails(self):
        self.assertViolation("liblitertlm/session/state.h", '#include "api/model_impl.h"\n',
                             'liblitertlm/session/state.h:1: includes "api/model_impl.h": '
                             "session → api points up the layer order")

    def test_angle_bracket_upward_include_fails(self):
        self.assertViolation("liblitertlm/util/x.cc", "#include <hub/digest.h>\n", "util → hub")

    def test_sibling_include_fails(self):
        self.assertViolation("liblitertlm/tokenizer/t.cc", '#include "model/config.h"\n',
                             "tokenizer → model sibling layers do not depend on each other")
        self.assertViolation("liblitertlm/hub/h.cc", '#include "session/s.h"\n', "hub → session")

    def test_ordered_group_reverse_fails(self):
        self.assertViolation("liblitertlm/kernels/q.cc", '#include "format/reader.h"\n',
                             "kernels → format")
        self.assertViolation("liblitertlm/session/s.cc", '#include "converter/c.h"\n',
                             "session → converter")

    def test_unknown_layer_directory_fails(self):
        self.assertViolation("liblitertlm/extras/e.cc", "int x;\n",
                             "liblitertlm/extras/: a directory that is not a layer")

    def test_cli_including_library_internals_fails(self):
        self.assertViolation("cli/run.cc", '#include "util/json.h"\n',
                             'cli/run.cc:1: includes "util/json.h": cli/ includes only public')
        self.assertViolation("cli/run2.cc", '#include "api/engine_impl.h"\n', "cli/run2.cc:1")
        self.assertViolation("cli/run3.cc", "#include <model/transformer.h>\n", "cli/run3.cc:1")

    def test_cli_including_a_missing_own_header_fails(self):
        self.assertViolation("cli/run.cc", '#include "model_impl.h"\n', "cli/run.cc:1")

    def test_example_including_non_public_header_fails(self):
        self.assertViolation("examples/chat.cc", '#include "tokenizer/bpe.h"\n',
                             "examples/chat.cc:1")
        self.assertViolation("examples/two.cc", '#include "helper.h"\n', "examples/two.cc:1")


class SymbolCheck(unittest.TestCase):
    """Objects of two layers: the lower one calling a function only the upper one defines."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        clean_tree(self.root)
        self.objects = os.path.join(self.root, "obj")

    def tearDown(self):
        self.tmp.cleanup()

    def compile(self, layer, name, code):
        src = write(self.root, f"gen/{layer}/{name}.cc", code)
        obj = os.path.join(self.objects, layer, name + ".cc.o")
        os.makedirs(os.path.dirname(obj), exist_ok=True)
        subprocess.run([CXX, "-c", "-O1", src, "-o", obj], check=True)
        return obj

    def test_downward_call_passes_upward_call_fails(self):
        util = self.compile("util", "status", "int Describe(int c) { return c + 1; }\n")
        api = self.compile("api", "role", "int Describe(int);\nint RoleName(int r) "
                                          "{ return Describe(r); }\n")
        r = run(self.root, "--objects", f"{util}|{api}")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # Planted: a tokenizer object calling RoleName, which api/ defines.
        tok = self.compile("tokenizer", "chat_template", "int RoleName(int);\n"
                                                          "int Render(int r) { return RoleName(r); }\n")
        r = run(self.root, "--objects", f"{util}|{api}|{tok}")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("tokenizer/chat_template.cc.o: uses RoleName(int) defined in api/: "
                      "tokenizer → api points up the layer order", r.stdout)
        # The same objects found through their directory.
        r = run(self.root, "--objects", self.objects)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)

    def test_missing_object_fails(self):
        r = run(self.root, "--objects", os.path.join(self.objects, "util", "absent.cc.o"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("absent.cc.o: not found", r.stdout)


if __name__ == "__main__":
    unittest.main()
