#!/usr/bin/env python3
"""Terminal test of `litert-lm-cli run`: the interactive chat driven through a tmux pane.

Types two turns, reads the screen, presses Ctrl-C in the middle of an answer (the process must
survive and show the prompt again), then /exit (exit code 0). tmux comes from .ci/install-deps.
Each test runs its own tmux server (-S <socket in its temporary directory>) and kills only it.

How Ctrl-C lands mid-answer without slowing the library: the gemma3_sliding fixture samples
greedily and its random weights never produce the end-of-turn token, so with no --max-tokens and
--max-context 4096 one answer runs for thousands of tokens (seconds, even on one thread). The test
waits until the answer's first characters are on the screen and presses Ctrl-C then.
"""

import os
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

CLI = os.environ.get("LITERTLM_CLI", "litert-lm-cli")
GOLDEN = os.environ.get("LITERTLM_GOLDEN_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
GEMMA = os.path.join(GOLDEN, "models", "gemma3_sliding")
QWEN = os.path.join(GOLDEN, "models", "qwen3_gqa")
TIMEOUT = 120  # seconds to wait for any one screen state (the CI machine may be busy)


class Pane:
    """A tmux server of its own with one pane running `command`; its exit code goes to a file."""

    def __init__(self, test, args, env=None):
        self.dir = tempfile.mkdtemp(prefix="run_tty_")
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.rc_file = os.path.join(self.dir, "rc")
        env_words = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in (env or {}).items())
        cli = " ".join(shlex.quote(a) for a in [CLI, "run", *args])
        shell = "env %s %s; echo $? > %s; sleep 600" % (env_words, cli, shlex.quote(self.rc_file))
        self.tmux("new-session", "-d", "-x", "100", "-y", "30", shell)
        test.addCleanup(self.tmux, "kill-server")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=30).stdout

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", *(["-e"] if escapes else []))

    def type(self, text):
        self.tmux("send-keys", "-l", text)
        self.tmux("send-keys", "Enter")

    def key(self, name):
        self.tmux("send-keys", name)

    def wait(self, predicate, what):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s; screen:\n%s" % (what, self.screen()))

    def exit_code(self):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if os.path.exists(self.rc_file):
                with open(self.rc_file) as f:
                    text = f.read().strip()
                if text:
                    return int(text)
            time.sleep(0.05)
        raise AssertionError("the program did not exit; screen:\n" + self.screen())

    def running(self):
        return not os.path.exists(self.rc_file)


def prompts(screen):
    """Number of "> " prompts on the screen (at line starts)."""
    return sum(1 for line in screen.splitlines() if line.startswith("> ") or line == ">")


def after(screen, text):
    """What the screen shows after the last occurrence of `text`."""
    i = screen.rfind(text)
    return "" if i < 0 else screen[i + len(text):]


class RunTerminalTest(unittest.TestCase):
    def test_two_turns_then_exit(self):
        pane = Pane(self, [QWEN, "--max-tokens", "12", "--threads", "1"])
        pane.wait(lambda s: prompts(s) == 1 and "Enter your prompt" in s, "the first prompt")
        pane.type("Hello there")
        first = pane.wait(lambda s: prompts(s) == 2, "the answer to turn 1")
        self.assertIn("> Hello there", first)
        self.assertTrue(after(first, "Hello there").strip(" \n>"), "no answer text:\n" + first)
        pane.type("And what then?")
        second = pane.wait(lambda s: prompts(s) == 3, "the answer to turn 2")
        self.assertIn("> And what then?", second)
        pane.type("/help")
        pane.wait(lambda s: "/regen" in s and prompts(s) == 4, "the /help text")
        pane.type("/regen")
        pane.wait(lambda s: prompts(s) == 5, "the regenerated answer")
        pane.type("/exit")
        self.assertEqual(pane.exit_code(), 0)

    def test_ctrl_c_stops_the_answer_not_the_program(self):
        pane = Pane(self, [GEMMA, "--max-context", "4096", "--threads", "1"])
        pane.wait(lambda s: prompts(s) == 1, "the first prompt")
        pane.type("Tell me a very long story")
        # The answer is streaming when characters appear after the typed line.
        pane.wait(lambda s: after(s, "Tell me a very long story").strip(), "the answer to start")
        pane.key("C-c")
        screen = pane.wait(lambda s: prompts(s) == 2, "the prompt after Ctrl-C")
        self.assertIn("[answer stopped]", screen)
        self.assertNotIn("context full", screen)
        self.assertTrue(pane.running())
        # Ctrl-C at the prompt discards the typed line and shows a new prompt.
        pane.tmux("send-keys", "-l", "half-typed")
        pane.key("C-c")
        pane.wait(lambda s: prompts(s) == 3, "a fresh prompt after Ctrl-C at the prompt")
        self.assertTrue(pane.running())
        pane.type("/exit")
        self.assertEqual(pane.exit_code(), 0)

    def test_double_ctrl_c_at_the_prompt_exits(self):
        pane = Pane(self, [QWEN, "--max-tokens", "4", "--threads", "1"])
        pane.wait(lambda s: prompts(s) == 1, "the first prompt")
        pane.key("C-c")
        pane.wait(lambda s: prompts(s) == 2, "the second prompt")
        pane.key("C-c")
        self.assertEqual(pane.exit_code(), 0)

    def test_ctrl_d_exits_and_no_color_is_honoured(self):
        pane = Pane(self, [QWEN, "--max-tokens", "4", "--threads", "1"], env={"NO_COLOR": "1"})
        pane.wait(lambda s: prompts(s) == 1, "the first prompt")
        self.assertNotIn("32m", pane.screen(escapes=True))
        pane.key("C-d")
        self.assertEqual(pane.exit_code(), 0)

    def test_prompt_is_coloured_on_a_terminal(self):
        pane = Pane(self, [QWEN, "--max-tokens", "4", "--threads", "1"], env={"TERM": "xterm"})
        pane.wait(lambda s: prompts(s) == 1, "the first prompt")
        # Bold green "> " (tmux re-encodes the attributes as separate sequences).
        self.assertRegex(pane.screen(escapes=True), r"\x1b\[[0-9;]*32m>")
        pane.type("/exit")
        self.assertEqual(pane.exit_code(), 0)


if __name__ == "__main__":
    unittest.main()
