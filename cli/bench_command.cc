// `litert-lm-cli bench MODEL [--threads N] [--repeats N] [--kv-cache-dtype f32|f16|int8]
// [--prefill-lengths 128,512,...] [--json]`: speed of one model on this machine, through the
// token-level Session API (no tokenizer, no sampling, no chat template):
//   load_ms        ModelLoader::Load (mmap + any load-time packing), median over repeats
//   ttft_ms        Prefill of the 128-token prompt in a fresh session: the first token's logits
//                  are ready when it returns (what a user waits for before the first token)
//   prefill_tps    tokens/s of one Prefill call of each --prefill-lengths length (default 128
//                  and 512) in a fresh session
//   decode_tps     greedy decode of 128 tokens after the 128-token prompt: argmax of
//                  LastLogits() then Prefill(1 token), i.e. one forward step per token
//   context_prefill_tps  tokens/s of the Prefill call of --context tokens (default 1024) in a
//                  fresh session (a long prompt; in chunks, as every Prefill runs)
//   decode_after_context_tps  the same over 32 tokens after --context tokens (default 1024)
//   peak_rss_mb    getrusage(RUSAGE_SELF).ru_maxrss at the end (whole process, all repeats)
// It also names the kernel level, the CPU's vector level and OpenBLAS's core (GetComputeInfo),
// and warns when OpenBLAS runs a core below the CPU (fp32 / f16 weight files then prefill slowly).
// Prompt ids are pseudo-random (std::mt19937, seed 1234) in [16, vocab): speed does not depend
// on the ids. Each figure is the median over --repeats runs (a fresh session per run).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "command.h"
#include "flag_ranges.h"
#include "int8_activations_flag.h"
#include "hub_cli.h"
#include "litertlm/converter.h"
#include "litertlm/model.h"
#include "litertlm/session.h"
#include "model_resolution.h"

namespace litertlm::cli {
namespace {

struct BenchArgs {
  std::string model;
  int threads = 0;
  int repeats = 5;
  int decode_tokens = 128;
  int context = 1024;
  std::vector<int> prefill_lengths = {128, 512};
  std::string kv_cache_dtype = "f32";
  std::string int8_activations = "exact";
  bool mlock = false;
  bool json = false;
  ModelStoreFlags store;
};

struct BenchResult {
  double load_ms = 0, ttft_ms = 0;
  std::vector<double> prefill_tps;  // one per BenchArgs::prefill_lengths
  double decode_tps = 0, decode_after_context_tps = 0, context_prefill_tps = 0, peak_rss_mb = 0;
};

using Clock = std::chrono::steady_clock;
double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<TokenId> RandomIds(int count, int vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(16, vocab - 1);
  std::vector<TokenId> ids(static_cast<size_t>(count));
  for (TokenId& id : ids) id = dist(rng);
  return ids;
}

StatusOr<std::unique_ptr<Session>> NewSession(const std::shared_ptr<const Model>& model,
                                              const BenchArgs& args, int max_context) {
  SessionOptions options;
  options.num_threads = args.threads;
  options.max_context = max_context;
  auto dtype = KvCacheDTypeFromName(args.kv_cache_dtype);
  if (!dtype.ok()) return dtype.status();
  options.kv_cache_dtype = *dtype;
  return Session::Create(model, options);
}

// Seconds for one Prefill of `ids` in a fresh session (the session is returned for decoding).
StatusOr<double> TimePrefill(Session& session, std::span<const TokenId> ids) {
  auto t = Clock::now();
  Status s = session.Prefill(ids);
  if (!s.ok()) return s;
  return SecondsSince(t);
}

// Greedy decode of `steps` tokens from the session's current state; tokens/s.
StatusOr<double> TimeDecode(Session& session, int steps) {
  auto t = Clock::now();
  for (int i = 0; i < steps; ++i) {
    std::span<const float> logits = session.LastLogits();
    TokenId next = static_cast<TokenId>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    Status s = session.Prefill(std::span<const TokenId>(&next, 1));
    if (!s.ok()) return s;
  }
  return steps / SecondsSince(t);
}

struct Samples {
  std::vector<double> load_ms, ttft_ms, decode, pctx, decode_ctx;
  std::vector<std::vector<double>> prefill;  // per BenchArgs::prefill_lengths
};

Status RunOnce(const BenchArgs& args, Samples* out) {
  LoadOptions load;
  load.num_threads = args.threads;
  load.lock_in_memory = args.mlock;
  load.int8_activations = Int8ActivationsFromFlag(args.int8_activations);
  auto t = Clock::now();
  auto model_or = ModelLoader::Load(args.model, load);
  if (!model_or.ok()) return model_or.status();
  out->load_ms.push_back(SecondsSince(t) * 1e3);
  std::shared_ptr<const Model> model = *model_or;
  int vocab = model->info().vocab_size;
  const int longest = *std::max_element(args.prefill_lengths.begin(), args.prefill_lengths.end());
  int max_context = std::max({longest, 128 + args.decode_tokens, args.context + 32});

  std::vector<TokenId> p128 = RandomIds(128, vocab, 1234);
  auto s128 = NewSession(model, args, max_context);
  if (!s128.ok()) return s128.status();
  auto t128 = TimePrefill(**s128, p128);
  if (!t128.ok()) return t128.status();
  out->ttft_ms.push_back(*t128 * 1e3);
  auto decode = TimeDecode(**s128, args.decode_tokens);
  if (!decode.ok()) return decode.status();
  out->decode.push_back(*decode);
  s128->reset();

  out->prefill.resize(args.prefill_lengths.size());
  for (size_t i = 0; i < args.prefill_lengths.size(); ++i) {
    const int length = args.prefill_lengths[i];
    if (length == 128) {  // the TTFT prefill
      out->prefill[i].push_back(128 / *t128);
      continue;
    }
    std::vector<TokenId> ids = RandomIds(length, vocab, 1234 + static_cast<uint32_t>(i));
    auto session = NewSession(model, args, max_context);
    if (!session.ok()) return session.status();
    auto seconds = TimePrefill(**session, ids);
    if (!seconds.ok()) return seconds.status();
    out->prefill[i].push_back(length / *seconds);
  }

  std::vector<TokenId> ctx = RandomIds(args.context, vocab, 1236);
  auto sctx = NewSession(model, args, max_context);
  if (!sctx.ok()) return sctx.status();
  auto tctx = TimePrefill(**sctx, ctx);
  if (!tctx.ok()) return tctx.status();
  out->pctx.push_back(args.context / *tctx);
  auto dctx = TimeDecode(**sctx, 32);
  if (!dctx.ok()) return dctx.status();
  out->decode_ctx.push_back(*dctx);
  return Status::Ok();
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// --threads 0 means the library's default for this process (affinity mask, cgroup quota).
int ThreadsUsed(const BenchArgs& args) {
  return args.threads > 0 ? args.threads : DefaultNumThreads();
}

// The OpenBLAS core that fits a CPU vector level (for the warning's advice).
const char* FittingBlasCore(const std::string& cpu_isa) {
  if (cpu_isa == "avx512") return "SkylakeX";
  if (cpu_isa == "avx2") return "Haswell";
  return "Sandybridge";
}

void Print(const BenchArgs& args, const BenchResult& r) {
  const ComputeInfo compute = GetComputeInfo();
  if (args.json) {
    std::string prefill;
    for (size_t i = 0; i < args.prefill_lengths.size(); ++i) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%s\"%d\": %.2f", i == 0 ? "" : ", ",
                    args.prefill_lengths[i], r.prefill_tps[i]);
      prefill += buf;
    }
    std::printf(
        "{\"model\": %s, \"threads\": %d, \"threads_used\": %d, \"repeats\": %d, "
        "\"kv_cache_dtype\": \"%s\", "
        "\"mlock\": %s, "
        "\"kernels\": %s, \"cpu_isa\": %s, \"blas_core\": %s, \"blas_core_below_cpu\": %s, "
        "\"load_ms\": %.3f, "
        "\"ttft_ms\": %.3f, \"prefill_tokens_per_s\": {%s}, "
        "\"decode_tokens\": %d, \"decode_tokens_per_s\": %.2f, \"context_tokens\": %d, "
        "\"context_prefill_tokens_per_s\": %.2f, "
        "\"decode_after_context_tokens_per_s\": %.2f, \"peak_rss_mb\": %.1f, "
        "\"method\": \"token-level Session::Prefill; greedy decode = argmax(LastLogits) + "
        "Prefill(1 token); medians\"}\n",
        JsonString(args.model).c_str(), args.threads, ThreadsUsed(args), args.repeats,
        args.kv_cache_dtype.c_str(), args.mlock ? "true" : "false",
        JsonString(compute.kernels).c_str(), JsonString(compute.cpu_isa).c_str(),
        JsonString(compute.blas_core).c_str(), compute.blas_core_below_cpu ? "true" : "false",
        r.load_ms, r.ttft_ms, prefill.c_str(), args.decode_tokens, r.decode_tps, args.context,
        r.context_prefill_tps, r.decode_after_context_tps, r.peak_rss_mb);
    return;
  }
  std::printf("model            %s (threads %d, KV cache %s, median of %d)\n", args.model.c_str(),
              ThreadsUsed(args), args.kv_cache_dtype.c_str(), args.repeats);
  std::printf("kernels          %s (CPU %s, OpenBLAS %s)\n", compute.kernels.c_str(),
              compute.cpu_isa.c_str(), compute.blas_core.c_str());
  if (compute.blas_core_below_cpu) {
    std::printf(
        "warning          OpenBLAS picked its %s core, below this CPU's %s: fp32/f16 weight "
        "products run slower (OPENBLAS_CORETYPE=%s picks a fitting one)\n",
        compute.blas_core.c_str(), compute.cpu_isa.c_str(), FittingBlasCore(compute.cpu_isa));
  }
  std::printf("load             %.1f ms\n", r.load_ms);
  std::printf("ttft (128)       %.1f ms\n", r.ttft_ms);
  for (size_t i = 0; i < args.prefill_lengths.size(); ++i) {
    std::printf("prefill %-8d %.1f tok/s\n", args.prefill_lengths[i], r.prefill_tps[i]);
  }
  std::printf("decode %-4d      %.1f tok/s\n", args.decode_tokens, r.decode_tps);
  std::printf("prefill %-8d %.1f tok/s (--context, one Prefill call)\n", args.context,
              r.context_prefill_tps);
  std::printf("decode @ %-5d   %.1f tok/s\n", args.context, r.decode_after_context_tps);
  std::printf("peak RSS         %.1f MB\n", r.peak_rss_mb);
}

// A checkpoint directory or .litertlm file is benchmarked as it is (a checkpoint runs in fp32);
// a model name or a .gguf file is resolved like `run` does (pulled / converted when needed).
StatusOr<std::string> ResolveModel(const BenchArgs& args) {
  ConvertOptions options;
  options.num_threads = args.threads;
  return EnsureRunnableModelWithProgress(args.model, args.store, options);
}

int Run(BenchArgs args) {
  if (args.repeats < 1) return ReportError("--repeats must be at least 1");
  if (args.decode_tokens < 1) return ReportError("--decode-tokens must be at least 1");
  if (args.context < 1) return ReportError("--context must be at least 1");
  if (args.prefill_lengths.empty()) return ReportError("--prefill-lengths needs at least one length");
  auto resolved = ResolveModel(args);
  if (!resolved.ok()) return ReportMultilineError(resolved.status());
  args.model = *resolved;
  Samples samples;
  for (int i = 0; i < args.repeats; ++i) {
    Status s = RunOnce(args, &samples);
    if (!s.ok()) return ReportError(s);
  }
  BenchResult r;
  r.load_ms = Median(samples.load_ms);
  r.ttft_ms = Median(samples.ttft_ms);
  for (const std::vector<double>& p : samples.prefill) r.prefill_tps.push_back(Median(p));
  r.decode_tps = Median(samples.decode);
  r.context_prefill_tps = Median(samples.pctx);
  r.decode_after_context_tps = Median(samples.decode_ctx);
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  r.peak_rss_mb = static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e6;  // ru_maxrss is KiB
  Print(args, r);
  return 0;
}

}  // namespace

Command RegisterBenchCommand(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* sub = app.add_subcommand(
      "bench", "Measure load time, time to first token, prefill and decode speed, peak RSS");
  sub->add_option("MODEL", args->model,
                  "A .litertlm file, a checkpoint directory (fp32), a .gguf file or a model name "
                  "(converted like `run` does)")
      ->required();
  sub->add_option("--threads", args->threads, "Worker threads (0 = physical cores)")
      ->check(IntegerIn(0, kMaxThreadsFlag));
  sub->add_option("--repeats", args->repeats, "Runs to take the median of (default 5)")
      ->check(IntegerIn(1, kMaxIntFlag));
  sub->add_option("--decode-tokens", args->decode_tokens, "Tokens to decode (default 128)")
      ->check(IntegerIn(1, kMaxIntFlag));
  sub->add_option("--context", args->context,
                  "Context length before the after-context decode (default 1024)")
      ->check(IntegerIn(1, kMaxIntFlag));
  sub->add_option("--prefill-lengths", args->prefill_lengths,
                  "Prompt lengths whose prefill speed to measure, comma-separated (default 128,512)")
      ->delimiter(',')
      ->check(IntegerIn(1, kMaxIntFlag));
  sub->add_option("--kv-cache-dtype", args->kv_cache_dtype,
                  "KV cache element type: f32 (default), f16 (llama.cpp's default) or int8")
      ->check(CLI::IsMember({"f32", "f16", "int8"}));
  AddInt8ActivationsFlag(sub, &args->int8_activations);
  sub->add_flag("--mlock", args->mlock,
                "Lock the weights in memory (.litertlm files; needs RLIMIT_MEMLOCK / ulimit -l)");
  sub->add_flag("--json", args->json, "One JSON object on stdout");
  AddModelStoreFlags(sub, &args->store);
  return {sub, [args] { return Run(*args); }};
}

}  // namespace litertlm::cli
