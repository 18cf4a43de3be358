// `litert-lm-cli serve MODEL`: an OpenAI-compatible HTTP server (POST /v1/chat/completions,
// POST /v1/completions, GET /v1/models, GET /health) on one Engine. The server itself lives in
// cli/serve/ (routing, request parsing, response formatting, scheduling); this file is its flags.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "command.h"
#include "hub_cli.h"
#include "int8_activations_flag.h"
#include "litertlm/converter.h"
#include "litertlm/engine.h"
#include "litertlm/hub.h"
#include "litertlm/session.h"
#include "model_resolution.h"
#include "serve/http_server.h"
#include "serve/scheduler.h"

namespace litertlm::cli {
namespace {

struct ServeArgs {
  std::string model;
  std::string model_id;
  serve::ServerOptions server;
  int parallel = 2;
  int queue = 16;
  int cache_sessions = 0;
  int threads = 0;
  int max_context = 0;
  int http_threads = 0;
  std::string kv_cache_dtype = "f32";
  std::string int8_activations = "exact";
  bool mlock = false;
  bool no_batch = false;
  ModelStoreFlags store;
};

StatusOr<std::string> ResolveModelPath(const ServeArgs& args) {
  ConvertOptions convert;
  convert.num_threads = args.threads;
  return EnsureRunnableModelWithProgress(args.model, args.store, convert);
}

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

// SIGINT/SIGTERM are blocked in every thread and taken by one watcher that stops the server.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up is a failed write, not the end of the server
  return set;
}

int Serve(ServeArgs args) {
  // Before any thread starts (the engine's and the batcher's pools too), so all inherit the mask.
  const sigset_t stop_signals = BlockStopSignals();
  if (args.server.api_key.empty()) {
    if (const char* key = std::getenv("LITERTLM_API_KEY"); key != nullptr) args.server.api_key = key;
  }
  auto kv_dtype = KvCacheDTypeFromName(args.kv_cache_dtype);
  if (!kv_dtype.ok()) return ReportError(kv_dtype.status());
  auto path = ResolveModelPath(args);
  if (!path.ok()) return ReportMultilineError(path.status());
  EngineOptions engine_options;
  engine_options.num_threads = args.threads;
  engine_options.lock_in_memory = args.mlock;
  engine_options.int8_activations = Int8ActivationsFromFlag(args.int8_activations);
  auto engine = Engine::Create(*path, engine_options);
  if (!engine.ok()) return ReportError(engine.status());

  serve::SchedulerOptions scheduler_options;
  scheduler_options.parallel = args.parallel;
  scheduler_options.queue_size = args.queue;
  scheduler_options.cache_sessions = args.cache_sessions;
  scheduler_options.session.max_context = args.max_context;
  scheduler_options.session.kv_cache_dtype = *kv_dtype;
  // The requests that run at once share the engine's one thread pool (--threads): their matrix
  // operations take turns, each on all the threads (SessionOptions::num_threads 0).
  if (!args.no_batch && args.parallel > 1) {
    // The decode steps of the running requests go through one forward pass, on the same pool.
    auto batcher = DecodeBatcher::Create((*engine)->model());
    if (!batcher.ok()) return ReportError(batcher.status());
    scheduler_options.session.decode_batcher = *batcher;
  }
  auto probe = Session::Create(*engine, scheduler_options.session);  // validates the options
  if (!probe.ok()) return ReportError(probe.status());
  args.server.max_context = (*probe)->max_context();
  probe->reset();
  args.server.model_id = args.model_id.empty() ? args.model : args.model_id;
  args.server.http_threads = args.http_threads > 0 ? args.http_threads : args.parallel + args.queue + 8;

  serve::Scheduler scheduler(*engine, scheduler_options);
  serve::HttpServer server(*engine, &scheduler, args.server);
  if (Status s = server.Bind(); !s.ok()) return ReportError(s);
  if (!IsLoopback(args.server.host) && args.server.api_key.empty()) {
    std::fprintf(stderr, "litert-lm-cli: warning: listening on %s without --api-key: anyone who "
                 "can reach this address can use the model\n", args.server.host.c_str());
  }
  std::fprintf(stderr, "serve: model '%s', %d parallel (%s), queue %d, context %d tokens, %s\n",
               args.server.model_id.c_str(), args.parallel,
               scheduler_options.session.decode_batcher ? "batched decoding" : "decoded one by one",
               args.queue, args.server.max_context,
               args.server.api_key.empty() ? "no API key" : "API key required");
  std::fprintf(stderr, "serve: listening on http://%s:%d\n", args.server.host.c_str(), server.port());
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != 0) std::fprintf(stderr, "serve: stopping\n");
    scheduler.Shutdown();  // running streams end now; Listen returns once their handlers have
    server.Stop();
  });
  server.Listen();
  pthread_kill(watcher.native_handle(), SIGTERM);  // Listen ended by itself: release the watcher
  watcher.join();
  return 0;
}

}  // namespace

Command RegisterServeCommand(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* sub = app.add_subcommand(
      "serve", "Serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, "
               "/v1/completions, /v1/models, /health)");
  sub->add_option("MODEL", args->model,
                  "A .litertlm file, a checkpoint directory, litert-community/NAME, Qwen/NAME, "
                  "google/NAME or a .gguf file (as for run)")
      ->required();
  sub->add_option("--host", args->server.host, "Address to listen on (default 127.0.0.1: this machine only)");
  sub->add_option("--port", args->server.port, "Port (default 8080; 0 = any free port)")
      ->check(CLI::Range(0, 65535));
  sub->add_option("--api-key", args->server.api_key,
                  "Require 'Authorization: Bearer KEY' (default: $LITERTLM_API_KEY, else none)");
  sub->add_option("--model-id", args->model_id, "The model name clients use (default: MODEL as given)");
  sub->add_option("-P,--parallel", args->parallel, "Requests generated at the same time (default 2)")
      ->check(CLI::Range(1, 256));
  sub->add_option("--queue", args->queue,
                  "Requests that may wait beyond those; more get 503 (default 16)")
      ->check(CLI::Range(0, 4096));
  sub->add_option("--cache-sessions", args->cache_sessions,
                  "Sessions whose KV cache is kept for prefix reuse (default 2 × --parallel)")
      ->check(CLI::Range(0, 1024));
  sub->add_option("--max-tokens", args->server.limits.max_tokens,
                  "Most tokens one request may generate, and the default (default 1024)")
      ->check(CLI::Range(1, 1 << 20));
  sub->add_option("--max-context,--kv-cache-max-len", args->max_context,
                  "Tokens one request may hold, prompt and answer (default: the model's limit)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--max-body-bytes", args->server.max_body_bytes,
                  "Largest request body; larger ones get 413 (default 1 MiB)")
      ->check(CLI::Range(1024, 1 << 30));
  sub->add_option("--timeout", args->server.io_timeout_seconds,
                  "Seconds to read a request, and to wait for a client to take the response (default 30)")
      ->check(CLI::Range(1, 86400));
  sub->add_option("--request-timeout", args->server.request_timeout_seconds,
                  "Most seconds one request may generate; then it ends with finish_reason 'length' "
                  "(default 600)")
      ->check(CLI::Range(1, 86400));
  sub->add_option("--http-threads", args->http_threads,
                  "Connections served at once (default --parallel + --queue + 8)")
      ->check(CLI::Range(2, 4096));
  sub->add_option("-t,--threads", args->threads,
                  "Worker threads in all, shared by the parallel requests (default: the CPUs)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--kv-cache-dtype", args->kv_cache_dtype, "KV cache element type: f32, f16 or int8")
      ->check(CLI::IsMember({"f32", "f16", "int8"}));
  sub->add_flag("--mlock", args->mlock, "Lock the weights in memory (.litertlm files)");
  AddInt8ActivationsFlag(sub, &args->int8_activations);
  sub->add_flag("--no-batch", args->no_batch,
                "Decode each running request on its own instead of one batched step for all");
  AddModelStoreFlags(sub, &args->store);
  return {sub, [args] { return Serve(*args); }};
}

}  // namespace litertlm::cli
