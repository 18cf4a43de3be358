"""Default thread count: the affinity mask (`taskset`), not the machine's core count; more
threads than CPUs still run (and agree with one thread)."""
import json
import os
import subprocess
import unittest

from cli_support import CLI, fixture


def run_pinned(cpus, *args):
    """Runs the CLI with its affinity mask set to `cpus` (like `taskset -c`)."""
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: os.sched_setaffinity(0, cpus))


class ThreadsTest(unittest.TestCase):
    def bench(self, cpus, *flags):
        r = run_pinned(cpus, "bench", fixture("qwen3_gqa"), "--json", "--repeats", "1",
                       "--decode-tokens", "2", "--context", "16", *flags)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_default_thread_count_follows_the_affinity_mask(self):
        allowed = sorted(os.sched_getaffinity(0))
        one = self.bench({allowed[0]})
        self.assertEqual(one["threads"], 0)
        self.assertEqual(one["threads_used"], 1)
        every = self.bench(set(allowed))
        self.assertGreaterEqual(every["threads_used"], 1)
        self.assertLessEqual(every["threads_used"], len(allowed))
        # An explicit count is used as given, even above the CPUs allowed.
        self.assertEqual(self.bench({allowed[0]}, "--threads", "3")["threads_used"], 3)

    def test_more_threads_than_cpus_give_the_same_text(self):
        cpu = {min(os.sched_getaffinity(0))}
        outs = []
        for threads in ("1", "8"):
            r = run_pinned(cpu, "run", fixture("qwen3_gqa"), "--no-chat-template", "-p",
                           "The capital of France is", "-n", "12", "--threads", threads)
            self.assertEqual(r.returncode, 0, r.stderr)
            outs.append(r.stdout)
        self.assertEqual(outs[0], outs[1])


if __name__ == "__main__":
    unittest.main()
