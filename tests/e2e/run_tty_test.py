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

import json
import os
import re
import shlex
import shutil
import signal
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
        self.stty_file = os.path.join(self.dir, "stty")
        # After the program: its exit code, then the terminal's settings as it left them.
        shell = "env %s %s; echo $? > %s; stty -a > %s; sleep 600" % (
            env_words, cli, shlex.quote(self.rc_file), shlex.quote(self.stty_file))
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

    def paste(self, text):
        """Pastes `text` as a terminal does (bracketed when the program asked for it)."""
        path = os.path.join(self.dir, "paste.txt")
        with open(path, "w") as f:
            f.write(text)
        self.tmux("load-buffer", "-b", "p", path)
        self.tmux("paste-buffer", "-p", "-b", "p")

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

    def terminal_settings(self):
        """`stty -a` after the program ended."""
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if os.path.exists(self.stty_file):
                with open(self.stty_file) as f:
                    text = f.read()
                if "icanon" in text:
                    return text.split()
            time.sleep(0.05)
        raise AssertionError("no stty output; screen:\n" + self.screen())

    def program_pid(self):
        """The pid of the CLI (the child of the pane's shell)."""
        shell = self.tmux("list-panes", "-F", "#{pane_pid}").strip()
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", shell], capture_output=True,
                             text=True).stdout
        [pid] = [int(line.split()[0]) for line in out.splitlines() if "litert-lm-cli" in line]
        return pid

    def running(self):
        return not os.path.exists(self.rc_file)


def prompt_tokens(screen):
    """The prompt_tokens of each --json answer on the screen."""
    return [int(m) for m in re.findall(r'"prompt_tokens":\s*(\d+)', screen)]


def one_shot_prompt_tokens(model, text, *extra):
    """prompt_tokens of `run --prompt TEXT --json` (the reference for a turn typed in the chat)."""
    proc = subprocess.run([CLI, "run", model, "--prompt", text, "--json", "--max-tokens", "1",
                           "--threads", "1", *extra], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return json.loads(proc.stdout)["prompt_tokens"]


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
        settings = pane.terminal_settings()  # given back as it was
        self.assertIn("echo", settings)
        self.assertIn("icanon", settings)

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


class LineEditingTest(unittest.TestCase):
    """Input through libedit: no 4,095-byte cut, pastes as one turn, triple-quote blocks,
    history, /bye, and keystrokes typed during an answer neither shown nor sent."""

    def json_pane(self, *extra):
        pane = Pane(self, [QWEN, "--json", "--max-tokens", "2", "--threads", "1", *extra],
                    env={"TERM": "xterm", "LANG": "C.UTF-8"})
        pane.wait(lambda s: prompts(s) == 1, "the first prompt")
        return pane

    def test_long_pasted_line_reaches_the_model_whole(self):
        text = ("the cat sat on the mat " * 300)[:6000].strip()  # no newline, ~2,300 tokens
        self.assertGreater(len(text), 5000)
        pane = self.json_pane()
        pane.paste(text)
        pane.key("Enter")
        screen = pane.wait(lambda s: len(prompt_tokens(s)) == 1, "the answer")
        self.assertEqual(prompt_tokens(screen), [one_shot_prompt_tokens(QWEN, text)])
        pane.type("/bye")
        self.assertEqual(pane.exit_code(), 0)

    def test_multi_line_paste_is_one_turn(self):
        text = "first line\nsecond line\nthird line"
        pane = self.json_pane()
        pane.paste(text)
        pane.key("Enter")
        screen = pane.wait(lambda s: len(prompt_tokens(s)) >= 1 and prompts(s) >= 2, "the answer")
        time.sleep(0.5)
        screen = pane.screen()
        self.assertEqual(prompt_tokens(screen), [one_shot_prompt_tokens(QWEN, text)], screen)
        pane.type("/exit")
        self.assertEqual(pane.exit_code(), 0)

    def test_triple_quotes_make_one_multi_line_turn(self):
        pane = self.json_pane()
        pane.type('"""Dear model,')
        pane.wait(lambda s: "..." in s, "the continuation prompt")
        pane.type("two lines here")
        pane.type('and the end."""')
        screen = pane.wait(lambda s: len(prompt_tokens(s)) == 1, "the answer")
        expected = one_shot_prompt_tokens(QWEN, "Dear model,\ntwo lines here\nand the end.")
        self.assertEqual(prompt_tokens(screen), [expected])
        pane.type("/exit")
        self.assertEqual(pane.exit_code(), 0)

    def test_up_arrow_recalls_the_last_line(self):
        pane = self.json_pane()
        pane.type("Hello there")
        pane.wait(lambda s: len(prompt_tokens(s)) == 1, "the first answer")
        pane.key("Up")
        pane.key("Enter")
        screen = pane.wait(lambda s: len(prompt_tokens(s)) == 2, "the second answer")
        self.assertEqual(screen.count("> Hello there"), 2, screen)
        self.assertNotIn("^[[A", screen)
        pane.type("/exit")
        self.assertEqual(pane.exit_code(), 0)

    def test_bye_leaves(self):
        pane = self.json_pane()
        pane.type("/bye")
        self.assertEqual(pane.exit_code(), 0)

    def test_type_ahead_is_neither_shown_nor_sent(self):
        pane = Pane(self, [GEMMA, "--max-context", "4096", "--threads", "1"])
        pane.wait(lambda s: prompts(s) == 1, "the first prompt")
        pane.type("Tell me a very long story")
        pane.wait(lambda s: after(s, "Tell me a very long story").strip(), "the answer to start")
        pane.tmux("send-keys", "-l", "SNEAKY")
        pane.key("Enter")
        time.sleep(0.5)
        pane.key("C-c")
        screen = pane.wait(lambda s: prompts(s) == 2, "the prompt after Ctrl-C")
        self.assertNotIn("SNEAKY", screen)
        self.assertIn("[discarded 7 bytes typed during the answer", screen)
        # Nothing typed before is pending: /exit alone is read, so the program leaves.
        pane.type("/exit")
        self.assertEqual(pane.exit_code(), 0)
        settings = pane.terminal_settings()
        self.assertIn("echo", settings)
        self.assertIn("icanon", settings)

    def test_sigterm_during_an_answer_restores_the_terminal(self):
        pane = Pane(self, [GEMMA, "--max-context", "4096", "--threads", "1"])
        pane.wait(lambda s: prompts(s) == 1, "the first prompt")
        pane.type("Tell me a very long story")
        pane.wait(lambda s: after(s, "Tell me a very long story").strip(), "the answer to start")
        os.kill(pane.program_pid(), signal.SIGTERM)
        self.assertEqual(pane.exit_code(), 128 + signal.SIGTERM)
        settings = pane.terminal_settings()
        self.assertIn("echo", settings)
        self.assertIn("icanon", settings)


class RawModeTerminalTest(unittest.TestCase):
    def test_system_is_refused_without_a_chat_template(self):
        pane = Pane(self, [QWEN, "--no-chat-template", "--max-tokens", "2", "--threads", "1"])
        pane.wait(lambda s: prompts(s) == 1, "the first prompt")
        pane.type("/system Be terse.")
        screen = pane.wait(lambda s: prompts(s) == 2, "the reply to /system")
        self.assertIn("/system needs the chat template", screen)
        self.assertNotIn("system message set", screen)
        pane.type("/exit")
        self.assertEqual(pane.exit_code(), 0)


if __name__ == "__main__":
    unittest.main()
