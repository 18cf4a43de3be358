// generate_bench: end-to-end generation speed through the public API, as an application sees it.
//
//   generate_bench MODEL [--threads N] [--repeats R] [--prompt-lens 128,512] [--decode 128] [--json]
//
// Measures, on MODEL (a .litertlm file or a checkpoint directory):
//   load        Engine::Create (mmap, tokenizer, template; packing when the model needs it)
//   TTFT        a fresh session: prefill of a prompt of L tokens + the first greedy token
//   prefill     L / (prefill seconds), for each L in --prompt-lens
//   decode      tokens/s of --decode single-token steps after a 128-token prompt
// Prompts are real text from the model's own tokenizer, cut to exactly L tokens. Each figure is
// the median of --repeats runs. Prints a table, or one JSON object with --json.
#include <litertlm/litertlm.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Flags {
  std::string model;
  int threads = 0;
  int repeats = 3;
  std::vector<int> prompt_lens = {128, 512};
  int decode_tokens = 128;
  bool json = false;
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--json") {
      f->json = true;
    } else if (a == "--threads" || a == "--repeats" || a == "--decode" || a == "--prompt-lens") {
      const char* v = next();
      if (v == nullptr) return false;
      if (a == "--threads") f->threads = std::atoi(v);
      if (a == "--repeats") f->repeats = std::max(1, std::atoi(v));
      if (a == "--decode") f->decode_tokens = std::atoi(v);
      if (a == "--prompt-lens") {
        f->prompt_lens.clear();
        for (const char* p = v; *p != '\0';) {
          char* end = nullptr;
          const long n = std::strtol(p, &end, 10);
          if (end == p || n <= 0) return false;
          f->prompt_lens.push_back(static_cast<int>(n));
          p = *end == ',' ? end + 1 : end;
        }
      }
    } else if (f->model.empty() && a.rfind("--", 0) != 0) {
      f->model = a;
    } else {
      return false;
    }
  }
  return !f->model.empty() && f->decode_tokens > 0 && !f->prompt_lens.empty();
}

// Exactly `n` token ids of ordinary text (repeated as needed).
std::vector<litertlm::TokenId> PromptIds(const litertlm::Tokenizer& tokenizer, int n) {
  static const char* kText =
      "The history of the city begins with a small settlement on the river, where traders met to "
      "exchange salt, grain and cloth. Over the centuries it grew into a busy port with bridges, "
      "markets, churches and a university, and its people became known for their music. ";
  std::vector<litertlm::TokenId> ids;
  auto chunk = tokenizer.Encode(kText);
  if (!chunk.ok() || chunk->empty()) return ids;
  while (static_cast<int>(ids.size()) < n) ids.insert(ids.end(), chunk->begin(), chunk->end());
  ids.resize(static_cast<size_t>(n));
  return ids;
}

// `s` as a JSON string literal (the model path may hold quotes or backslashes).
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      out += buf;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

litertlm::TokenId Argmax(std::span<const float> logits) {
  return static_cast<litertlm::TokenId>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

struct PrefillRun {
  int prompt_tokens = 0;
  double ttft_seconds = 0;
  double tokens_per_second = 0;
};

// One fresh session per run: prefill `ids`, pick the first token. Empty on error.
litertlm::StatusOr<PrefillRun> MeasurePrefill(const std::shared_ptr<const litertlm::Engine>& engine,
                                              const std::vector<litertlm::TokenId>& ids,
                                              const Flags& f) {
  std::vector<double> ttft, prefill;
  for (int r = 0; r < f.repeats; ++r) {
    litertlm::SessionOptions options;
    options.num_threads = f.threads;
    options.max_context = static_cast<int>(ids.size()) + f.decode_tokens + 1;
    auto session = litertlm::Session::Create(engine, options);
    if (!session.ok()) return session.status();
    const Clock::time_point start = Clock::now();
    if (auto s = (*session)->Prefill(ids); !s.ok()) return s;
    const double prefill_seconds = Since(start);
    volatile litertlm::TokenId first = Argmax((*session)->LastLogits());
    (void)first;
    ttft.push_back(Since(start));
    prefill.push_back(prefill_seconds);
  }
  PrefillRun run;
  run.prompt_tokens = static_cast<int>(ids.size());
  run.ttft_seconds = Median(ttft);
  run.tokens_per_second = static_cast<double>(ids.size()) / Median(prefill);
  return run;
}

// Greedy single-token steps after a prompt, as Session::Generate runs them.
litertlm::StatusOr<double> MeasureDecode(const std::shared_ptr<const litertlm::Engine>& engine,
                                         const std::vector<litertlm::TokenId>& prompt,
                                         const Flags& f) {
  std::vector<double> rates;
  for (int r = 0; r < f.repeats; ++r) {
    litertlm::SessionOptions options;
    options.num_threads = f.threads;
    options.max_context = static_cast<int>(prompt.size()) + f.decode_tokens + 1;
    auto session = litertlm::Session::Create(engine, options);
    if (!session.ok()) return session.status();
    if (auto s = (*session)->Prefill(prompt); !s.ok()) return s;
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < f.decode_tokens; ++i) {
      const litertlm::TokenId next = Argmax((*session)->LastLogits());
      if (auto s = (*session)->Prefill(std::span(&next, 1)); !s.ok()) return s;
    }
    rates.push_back(f.decode_tokens / Since(start));
  }
  return Median(rates);
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  if (!ParseFlags(argc, argv, &f)) {
    std::fprintf(stderr,
                 "usage: %s MODEL [--threads N] [--repeats R] [--prompt-lens 128,512] "
                 "[--decode 128] [--json]\n", argv[0]);
    return 2;
  }
  litertlm::EngineOptions engine_options;
  engine_options.num_threads = f.threads;
  const Clock::time_point load_start = Clock::now();
  auto engine = litertlm::Engine::Create(f.model, engine_options);
  const double load_seconds = Since(load_start);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  std::vector<PrefillRun> prefill;
  for (int len : f.prompt_lens) {
    auto run = MeasurePrefill(*engine, PromptIds((*engine)->tokenizer(), len), f);
    if (!run.ok()) {
      std::fprintf(stderr, "prompt of %d tokens: %s\n", len, run.status().ToString().c_str());
      return 1;
    }
    prefill.push_back(*run);
  }
  const int decode_context = 128;
  auto decode = MeasureDecode(*engine, PromptIds((*engine)->tokenizer(), decode_context), f);
  if (!decode.ok()) {
    std::fprintf(stderr, "decode: %s\n", decode.status().ToString().c_str());
    return 1;
  }

  if (f.json) {
    std::printf("{\"model\": %s, \"threads\": %d, \"repeats\": %d, \"load_seconds\": %.4f, \"prefill\": [",
                JsonString(f.model).c_str(), f.threads, f.repeats, load_seconds);
    for (size_t i = 0; i < prefill.size(); ++i) {
      std::printf("%s{\"prompt_tokens\": %d, \"ttft_seconds\": %.5f, \"tokens_per_second\": %.2f}",
                  i ? ", " : "", prefill[i].prompt_tokens, prefill[i].ttft_seconds,
                  prefill[i].tokens_per_second);
    }
    std::printf("], \"decode\": {\"context_tokens\": %d, \"tokens\": %d, \"tokens_per_second\": %.2f}}\n",
                decode_context, f.decode_tokens, *decode);
    return 0;
  }
  std::printf("model    %s\nthreads  %d (0 = physical cores), median of %d runs\n", f.model.c_str(),
              f.threads, f.repeats);
  std::printf("load     %.3f s\n\n%-14s %10s %16s\n", load_seconds, "prompt tokens", "TTFT ms",
              "prefill tok/s");
  for (const PrefillRun& r : prefill)
    std::printf("%-14d %10.1f %16.1f\n", r.prompt_tokens, r.ttft_seconds * 1e3, r.tokens_per_second);
  std::printf("\ndecode   %.1f tok/s (%d tokens after a %d-token prompt)\n", *decode, f.decode_tokens,
              decode_context);
  return 0;
}
