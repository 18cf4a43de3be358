"""`litert-lm-cli serve` over raw HTTP (stdlib only): errors in OpenAI's shape with the right
status codes, a bounded load test with 8 concurrent streaming clients whose answers must equal
the same requests made alone, and a server that keeps answering after clients that hang up
mid-stream, malformed JSON, wrong types, huge bodies, unknown models, slow readers and a full
queue."""
import http.client
import json
import socket
import sys
import threading
import time
import unittest

from cli_support import fixture
from serve_support import Server

MODEL = fixture("qwen3_gqa")


def greedy_chat(text, max_tokens=24, stream=False, **extra):
    body = {"model": "tiny", "messages": [{"role": "user", "content": text}],
            "max_tokens": max_tokens, "temperature": 0, "stream": stream}
    body.update(extra)
    return body


def read_sse(port, body, timeout=300):
    """Streams one request; returns (status, list of parsed events, saw [DONE])."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", "/v1/chat/completions", body=json.dumps(body),
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        data = resp.read()
        conn.close()
        return resp.status, [json.loads(data)], False
    events, done = [], False
    for raw in resp:
        line = raw.decode("utf-8").rstrip("\n")
        if not line.startswith("data: "):
            continue
        payload = line[len("data: "):]
        if payload == "[DONE]":
            done = True
            break
        events.append(json.loads(payload))
    conn.close()
    return 200, events, done


def wait_idle(server, seconds=30):
    """/health once nothing runs or waits (a worker files its job just after the last byte)."""
    deadline = time.time() + seconds
    while True:
        status, health = server.request("GET", "/health")
        assert status == 200, health
        if (health["running"], health["queued"]) == (0, 0) or time.time() > deadline:
            return health
        time.sleep(0.1)


def stream_text(events):
    return "".join(c["delta"].get("content", "") for e in events for c in e.get("choices", []))


def finish_reason(events):
    reasons = [c["finish_reason"] for e in events for c in e.get("choices", []) if c["finish_reason"]]
    return reasons[-1] if reasons else None


class ServeErrorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(MODEL, "--parallel", "2", "--max-tokens", "64",
                            "--max-body-bytes", "65536", "--timeout", "5")

    @classmethod
    def tearDownClass(cls):
        code, log = cls.server.stop()
        assert code == 0, log

    def assert_error(self, status, body, want_status, param=None, code=None):
        self.assertEqual(status, want_status, body)
        self.assertIsInstance(body, dict, body)
        err = body["error"]
        self.assertTrue(err["message"])
        self.assertIn("type", err)
        if param is not None:
            self.assertEqual(err["param"], param, err)
        if code is not None:
            self.assertEqual(err["code"], code, err)

    def test_health_and_models(self):
        status, body = self.server.request("GET", "/health")
        self.assertEqual((status, body["status"]), (200, "ok"))
        status, body = self.server.request("GET", "/v1/models")
        self.assertEqual(status, 200)
        self.assertEqual([m["id"] for m in body["data"]], ["tiny"])

    def test_bad_requests(self):
        cases = [
            ('{"model": "tiny", "messages": [', 400, None),
            ("[1, 2]", 400, None),
            ("\xff\xfe not utf-8", 400, None),
            (json.dumps({"messages": [{"role": "user", "content": "x"}]}), 400, "model"),
            (json.dumps({"model": 7, "messages": []}), 400, "model"),
            (json.dumps({"model": "tiny", "messages": "hi"}), 400, "messages"),
            (json.dumps({"model": "tiny", "messages": []}), 400, "messages"),
            (json.dumps({"model": "tiny", "messages": [{"role": "robot", "content": "x"}]}), 400,
             "messages[0].role"),
            (json.dumps({"model": "tiny", "messages": [{"role": "user", "content": 5}]}), 400,
             "messages[0].content"),
            (json.dumps(greedy_chat("x", temperature="hot")), 400, "temperature"),
            (json.dumps(greedy_chat("x", temperature=3)), 400, "temperature"),
            (json.dumps(greedy_chat("x", top_p=0)), 400, "top_p"),
            (json.dumps(greedy_chat("x", max_tokens=1.5)), 400, "max_tokens"),
            (json.dumps(greedy_chat("x", max_tokens=65)), 400, "max_tokens"),
            (json.dumps(greedy_chat("x", stream="yes")), 400, "stream"),
            (json.dumps(greedy_chat("x", stop=["a", "b", "c", "d", "e"])), 400, "stop"),
            (json.dumps(greedy_chat("x", stop=[""])), 400, "stop"),
            (json.dumps(greedy_chat("x", n=2)), 400, "n"),
            (json.dumps(greedy_chat("x", seed="1")), 400, "seed"),
            ("[" * 100000 + "]" * 100000, 413, None),
        ]
        for body, status, param in cases:
            with self.subTest(body=body[:60]):
                got_status, got = self.server.request(
                    "POST", "/v1/chat/completions", body=body.encode("latin-1"))
                self.assert_error(got_status, got, status, param)
        status, body = self.server.request("POST", "/v1/completions",
                                           body={"model": "tiny", "prompt": ["a", "b"]})
        self.assert_error(status, body, 400, "prompt")

    def test_unknown_model_route_and_huge_body(self):
        status, body = self.server.request("POST", "/v1/chat/completions",
                                           body={**greedy_chat("x"), "model": "gpt-4"})
        self.assert_error(status, body, 404, "model", "model_not_found")
        status, body = self.server.request("GET", "/v1/nothing")
        self.assert_error(status, body, 404)
        huge = json.dumps(greedy_chat("a" * 200000))
        status, body = self.server.request("POST", "/v1/chat/completions", body=huge)
        self.assert_error(status, body, 413)
        status, body = self.server.request("POST", "/v1/chat/completions", body=greedy_chat("still here?", 4))
        self.assertEqual(status, 200, body)

    def test_prompt_longer_than_context(self):
        with Server(MODEL, "--max-context", "32") as small:
            status, body = small.request("POST", "/v1/chat/completions",
                                         body=greedy_chat("word " * 40, 4))
            self.assert_error(status, body, 400, "messages", "context_length_exceeded")

    def test_disconnect_mid_stream_and_slow_reader(self):
        # Hang up after the first event of a long answer: its generation is cancelled.
        with Server(MODEL, "--parallel", "1", "--max-tokens", "4000") as long_server:
            for _ in range(3):
                sock = socket.create_connection(("127.0.0.1", long_server.port))
                body = json.dumps(greedy_chat("tell me a long story", 4000, stream=True,
                                              stop=["never appears \u2603"])).encode()
                sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
                self.assertIn(b"200", sock.recv(64))
                sock.close()
            self.assertEqual(long_server.request("POST", "/v1/chat/completions",
                                                 body=greedy_chat("next", 4))[0], 200)
            # SIGTERM during a long stream: the stream ends and the server exits promptly.
            conn = http.client.HTTPConnection("127.0.0.1", long_server.port, timeout=60)
            conn.request("POST", "/v1/chat/completions",
                         body=json.dumps(greedy_chat("a long one", 4000, stream=True,
                                                     stop=["never appears \u2603"])),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.fp.readline()
            start = time.time()
            code, log = long_server.stop()
            self.assertLess(time.time() - start, 10)
            conn.close()
            self.assertEqual(code, 0)
            cancelled = [l for l in log.splitlines() if "done (cancelled)" in l]
            self.assertEqual(len(cancelled), 4, log)
        # A client that sends half a request and stalls (the read timeout is 5 s).
        stalled = socket.create_connection(("127.0.0.1", self.server.port))
        stalled.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        # A slow reader: takes its stream a few bytes at a time.
        slow = socket.create_connection(("127.0.0.1", self.server.port))
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        body = json.dumps(greedy_chat("slowly now", 64, stream=True)).encode()
        slow.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        received = b""
        while b"[DONE]" not in received:
            chunk = slow.recv(16)
            if not chunk:
                break
            received += chunk
            time.sleep(0.005)
        slow.close()
        self.assertIn(b"[DONE]", received)
        # Meanwhile and afterwards, the server answers.
        status, events, done = read_sse(self.server.port, greedy_chat("after the hang-ups", 8, True))
        self.assertEqual((status, done), (200, True))
        stalled.close()
        health = wait_idle(self.server)
        self.assertEqual((health["running"], health["queued"]), (0, 0), health)

    def test_api_key(self):
        with Server(MODEL, "--api-key", "s3cret-key") as keyed:
            status, body = keyed.request("GET", "/v1/models")
            self.assert_error(status, body, 401, code="invalid_api_key")
            for wrong in ["Bearer s3cret-kez", "Bearer s3cret-key-longer", "Bearer ", "s3cret-key"]:
                status, body = keyed.request("GET", "/v1/models", headers={"Authorization": wrong})
                self.assert_error(status, body, 401, code="invalid_api_key")
            status, body = keyed.request("GET", "/v1/models",
                                         headers={"Authorization": "Bearer s3cret-key"})
            self.assertEqual(status, 200)
            self.assertEqual(keyed.request("GET", "/health")[0], 200)  # open, for load balancers
            code, log = keyed.stop()
        self.assertEqual(code, 0)
        self.assertNotIn("s3cret", log)

    def test_full_queue_gets_503(self):
        with Server(MODEL, "--parallel", "1", "--queue", "1", "--max-tokens", "512") as busy:
            results = []

            def one():
                results.append(busy.request("POST", "/v1/chat/completions",
                                            body=greedy_chat("fill the queue", 512))[0])

            threads = [threading.Thread(target=one) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertIn(503, results)
            self.assertIn(200, results)
            self.assertEqual(busy.request("POST", "/v1/chat/completions", body=greedy_chat("ok", 2))[0], 200)


class ServeLoadTest(unittest.TestCase):
    def test_eight_concurrent_streaming_clients(self):
        prompts = ["prompt number %d about foxes" % i for i in range(8)]
        with Server(MODEL, "--parallel", "4", "--queue", "16") as server:
            reference = {}
            for p in prompts:
                status, body = server.request("POST", "/v1/chat/completions", body=greedy_chat(p, 24))
                self.assertEqual(status, 200, body)
                reference[p] = body["choices"][0]["message"]["content"]
            failures, lock = [], threading.Lock()

            def client(index):
                for round_ in range(4):
                    p = prompts[(index + round_) % len(prompts)]
                    status, events, done = read_sse(server.port, greedy_chat(p, 24, stream=True))
                    problem = None
                    if status != 200 or not done:
                        problem = "status %d, done %s" % (status, done)
                    elif stream_text(events) != reference[p]:
                        problem = "text %r != %r" % (stream_text(events), reference[p])
                    elif finish_reason(events) not in ("stop", "length"):
                        problem = "finish_reason %r" % finish_reason(events)
                    if problem:
                        with lock:
                            failures.append((index, round_, problem))

            threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(failures, [])
            health = wait_idle(server)
            self.assertEqual((health["running"], health["queued"]), (0, 0), health)
            # The concurrent streams were decoded in shared steps.
            self.assertGreater(health["decoded_tokens"], health["decode_steps"], health)
            code, log = server.stop()
        self.assertEqual(code, 0, log)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
