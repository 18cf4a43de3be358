// The chat-level Session/Engine API through the public shared library, on the tiny golden
// checkpoints (random weights, real tokenizers and chat templates). Each test compares the
// session against an independent way of getting the same answer: a fresh session that prefills
// the whole conversation, the same call made alone instead of on two threads, and so on.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "litertlm/engine.h"
#include "litertlm/session.h"

namespace litertlm {
namespace {

std::string GoldenDir() {
  const char* v = std::getenv("LITERTLM_GOLDEN_DIR");
  return v != nullptr && *v != '\0' ? v : LITERTLM_GOLDEN_DIR_DEFAULT;
}

// One engine per fixture for the whole binary (an Engine is immutable and shareable).
std::shared_ptr<const Engine> LoadEngine(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Engine>> engines;
  std::lock_guard<std::mutex> lock(mu);
  auto& engine = engines[name];
  if (engine == nullptr) {
    auto created = Engine::Create(GoldenDir() + "/models/" + name);
    EXPECT_TRUE(created.ok()) << name << ": " << created.status().ToString();
    if (created.ok()) engine = *created;
  }
  return engine;
}

// One worker thread per session: the fixtures are tiny, and the test machine is shared.
std::unique_ptr<Session> NewSession(const std::shared_ptr<const Engine>& engine,
                                    SessionOptions options = {}) {
  if (options.num_threads == 0) options.num_threads = 1;
  auto session = Session::Create(engine, options);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  return session.ok() ? std::move(*session) : nullptr;
}

GenerateOptions Greedy(int max_tokens) {
  GenerateOptions o;
  o.max_tokens = max_tokens;
  SamplerOptions s;
  s.top_k = 1;
  s.temperature = 0;
  o.sampler = s;
  return o;
}

GenerateOptions Seeded(int max_tokens, uint64_t seed) {
  GenerateOptions o;
  o.max_tokens = max_tokens;
  SamplerOptions s;
  s.temperature = 1.0f;
  s.top_k = 0;
  s.top_p = 1.0f;
  s.seed = seed;
  o.sampler = s;
  return o;
}

GenerateResult MustGenerate(Session& session, const GenerateOptions& options,
                            const StreamCallback& on_text = nullptr) {
  auto result = session.Generate(options, on_text);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : GenerateResult{};
}

std::vector<TokenId> Tokens(const Session& session) {
  return {session.tokens().begin(), session.tokens().end()};
}

// Valid UTF-8: well-formed sequences, no overlongs, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (n < 0 || i + static_cast<size_t>(n) >= s.size()) return false;
    uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1Fu) : n == 2 ? (c & 0x0Fu) : (c & 0x07u);
    for (int k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

TEST(Utf8CheckTest, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8("héllo ✓ 😀"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));
}

// A long, varied user message (tiny tokenizers split it into many tokens).
std::string LongText(int words) {
  static const char* kWords[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
                                 "and", "then", "runs", "far", "away", "into", "forest", "night"};
  std::string text;
  for (int i = 0; i < words; ++i) {
    if (i > 0) text += ' ';
    text += kWords[(i * 7 + i / 16) % 16];
  }
  return text;
}

// The tiny models answer in microseconds: each generation holds its first streamed piece until
// all `n` are generating (or 2 s passed), so that their steps overlap.
class StartTogether {
 public:
  explicit StartTogether(size_t n) : n_(n) {}
  // One callback per generation.
  StreamCallback Callback() {
    return [this, first = true](std::string_view) mutable {
      if (first) {
        first = false;
        std::unique_lock<std::mutex> lock(mu_);
        ++started_;
        cv_.notify_all();
        cv_.wait_for(lock, std::chrono::seconds(2), [this] { return started_ >= n_; });
      }
      return true;
    };
  }

 private:
  const size_t n_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t started_ = 0;
};

class ChatFixtureTest : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Fixtures, ChatFixtureTest,
                         ::testing::Values("qwen3_gqa", "gemma3_sliding", "gemma3_mqa"));

// Turn 2 reuses turn 1's cache and must give exactly what a fresh session gives when it
// prefills the whole conversation at once.
TEST_P(ChatFixtureTest, MultiTurnCacheReuseEqualsFullPrefill) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  for (KvCacheDType dtype : {KvCacheDType::kFloat32, KvCacheDType::kFloat16, KvCacheDType::kInt8}) {
    SCOPED_TRACE(std::string(KvCacheDTypeName(dtype)) + " KV cache");
    SessionOptions options;
    options.kv_cache_dtype = dtype;
    auto chat = NewSession(engine, options);
    chat->AddMessage(Role::kSystem, "You are terse.");
    chat->AddMessage(Role::kUser, "Hello there, how are you?");
    const GenerateResult first = MustGenerate(*chat, Greedy(12));
    EXPECT_EQ(first.stats.reused_tokens, 0);
    chat->AddMessage(Role::kUser, "Tell me more about the fox.");
    const GenerateResult second = MustGenerate(*chat, Greedy(12));
    EXPECT_GT(second.stats.reused_tokens, 0);
    EXPECT_LT(second.stats.reused_tokens, second.stats.prompt_tokens);
    ASSERT_EQ(chat->history().size(), 5u);

    auto fresh = NewSession(engine, options);
    for (size_t i = 0; i + 1 < chat->history().size(); ++i)
      fresh->AddMessage(chat->history()[i].role, chat->history()[i].content);
    const GenerateResult again = MustGenerate(*fresh, Greedy(12));
    EXPECT_EQ(again.stats.reused_tokens, 0);
    EXPECT_EQ(again.stats.prompt_tokens, second.stats.prompt_tokens);
    EXPECT_EQ(again.text, second.text);
    EXPECT_EQ(again.finish_reason, second.finish_reason);
    EXPECT_EQ(again.stats.generated_tokens, second.stats.generated_tokens);
    EXPECT_EQ(Tokens(*fresh), Tokens(*chat));
  }
}

// Bad options are INVALID_ARGUMENT naming the field, before any memory is committed.
TEST_P(ChatFixtureTest, SessionOptionsAreValidated) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  SessionOptions bad_context, bad_threads, bad_dtype;
  bad_context.max_context = -1;
  bad_threads.num_threads = -2;
  bad_dtype.kv_cache_dtype = static_cast<KvCacheDType>(7);
  for (const auto& [options, field] : {std::pair{bad_context, "max_context"},
                                       std::pair{bad_threads, "num_threads"},
                                       std::pair{bad_dtype, "kv_cache_dtype"}}) {
    auto session = Session::Create(engine, options);
    ASSERT_FALSE(session.ok()) << field;
    EXPECT_EQ(session.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(session.status().message().find(field), std::string::npos) << session.status().ToString();
  }
}

TEST(KvCacheDTypeNames, RoundTripAndRejectUnknown) {
  for (KvCacheDType t : {KvCacheDType::kFloat32, KvCacheDType::kFloat16, KvCacheDType::kInt8}) {
    auto back = KvCacheDTypeFromName(KvCacheDTypeName(t));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(KvCacheDTypeName(KvCacheDType::kInt8), "int8");
  auto bad = KvCacheDTypeFromName("q4");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("q4"), std::string::npos);
}

// Pieces are whole UTF-8 characters and concatenate to the reply; max_tokens is honoured.
TEST_P(ChatFixtureTest, StreamedPiecesAreUtf8AndConcatenateToText) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  for (uint64_t seed : {1u, 2u, 3u}) {
    auto session = NewSession(engine);
    session->AddMessage(Role::kUser, "Write something long: " + LongText(10));
    std::string streamed;
    int pieces = 0;
    const GenerateResult r = MustGenerate(*session, Seeded(24, seed), [&](std::string_view p) {
      EXPECT_FALSE(p.empty());
      EXPECT_TRUE(IsValidUtf8(p)) << "piece " << pieces;
      streamed += p;
      ++pieces;
      return true;
    });
    EXPECT_EQ(streamed, r.text);
    EXPECT_TRUE(IsValidUtf8(r.text));
    EXPECT_LE(r.stats.generated_tokens, 24);
    if (r.finish_reason != FinishReason::kStopToken) {
      EXPECT_EQ(r.finish_reason, FinishReason::kMaxTokens);
      EXPECT_EQ(r.stats.generated_tokens, 24);
    }
    EXPECT_EQ(session->history().back().role, Role::kAssistant);
    EXPECT_EQ(session->history().back().content, r.text);
  }
}

TEST_P(ChatFixtureTest, IdenticalSeedGivesIdenticalOutput) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  std::vector<std::string> texts;
  for (uint64_t seed : {7u, 7u, 8u, 9u, 10u}) {
    auto session = NewSession(engine);
    session->AddMessage(Role::kUser, "Pick some words.");
    texts.push_back(MustGenerate(*session, Seeded(16, seed)).text);
  }
  EXPECT_EQ(texts[0], texts[1]);
  // Different seeds do not all collapse onto the seed-7 answer (the sampler uses the seed).
  EXPECT_TRUE(texts[2] != texts[0] || texts[3] != texts[0] || texts[4] != texts[0]);
}

// Clone() branches a conversation: both branches go on independently and each equals a fresh
// session given the same history.
TEST_P(ChatFixtureTest, CloneBranchesMatchFreshSessions) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto trunk = NewSession(engine);
  trunk->AddMessage(Role::kUser, "A shared opening question about the forest.");
  const GenerateResult opening = MustGenerate(*trunk, Greedy(8));
  auto cloned = trunk->Clone();
  ASSERT_TRUE(cloned.ok()) << cloned.status().ToString();
  std::unique_ptr<Session> branch = std::move(*cloned);
  EXPECT_EQ(Tokens(*branch), Tokens(*trunk));
  EXPECT_EQ(branch->history().size(), trunk->history().size());

  trunk->AddMessage(Role::kUser, "Branch one: the fox.");
  branch->AddMessage(Role::kUser, "Branch two: the dog runs far away.");
  const GenerateResult a = MustGenerate(*trunk, Greedy(10));
  const GenerateResult b = MustGenerate(*branch, Greedy(10));
  EXPECT_GT(b.stats.reused_tokens, 0) << "the clone did not keep the KV cache";
  EXPECT_EQ(trunk->history().size(), 4u);
  EXPECT_EQ(branch->history().size(), 4u);
  EXPECT_EQ(trunk->history()[2].content, "Branch one: the fox.");
  EXPECT_EQ(branch->history()[2].content, "Branch two: the dog runs far away.");

  for (const auto* pair : {&a, &b}) {
    const Session& s = pair == &a ? *trunk : *branch;
    auto fresh = NewSession(engine);
    for (size_t i = 0; i + 1 < s.history().size(); ++i)
      fresh->AddMessage(s.history()[i].role, s.history()[i].content);
    const GenerateResult r = MustGenerate(*fresh, Greedy(10));
    EXPECT_EQ(r.text, pair->text);
    EXPECT_EQ(Tokens(*fresh), Tokens(s));
  }
  (void)opening;
}

// RemoveLastReply + Generate regenerates the same greedy answer.
TEST_P(ChatFixtureTest, RemoveLastReplyThenRegenerate) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto session = NewSession(engine);
  EXPECT_EQ(session->RemoveLastReply().code(), StatusCode::kFailedPrecondition);
  session->AddMessage(Role::kUser, "Say something.");
  EXPECT_EQ(session->RemoveLastReply().code(), StatusCode::kFailedPrecondition);
  const GenerateResult first = MustGenerate(*session, Greedy(10));
  const std::vector<TokenId> tokens_after_first = Tokens(*session);
  ASSERT_TRUE(session->RemoveLastReply().ok());
  ASSERT_EQ(session->history().size(), 1u);
  const GenerateResult regen = MustGenerate(*session, Greedy(10));
  EXPECT_EQ(regen.text, first.text);
  EXPECT_EQ(regen.finish_reason, first.finish_reason);
  EXPECT_EQ(Tokens(*session), tokens_after_first);
  EXPECT_GT(regen.stats.reused_tokens, 0);
  EXPECT_EQ(session->history().size(), 2u);
}

// SetHistory replaces the conversation but keeps the KV cache: a session that held another
// conversation with the same opening reuses that prefix, and answers exactly as a fresh session.
TEST_P(ChatFixtureTest, SetHistoryKeepsTheCacheOfTheCommonPrefix) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto session = NewSession(engine);
  session->AddMessage(Role::kUser, "Tell me about the quick brown fox.");
  const GenerateResult first = MustGenerate(*session, Greedy(8));
  const std::vector<Message> other = {{Role::kUser, "Tell me about the quick brown fox."},
                                      {Role::kAssistant, first.text},
                                      {Role::kUser, "And the lazy dog?"}};
  session->SetHistory(other);
  ASSERT_EQ(session->history().size(), 3u);
  const GenerateResult continued = MustGenerate(*session, Greedy(8));
  EXPECT_GT(continued.stats.reused_tokens, 0);
  EXPECT_EQ(session->history().size(), 4u);
  auto fresh = NewSession(engine);
  fresh->SetHistory(other);
  const GenerateResult expected = MustGenerate(*fresh, Greedy(8));
  EXPECT_EQ(expected.stats.reused_tokens, 0);
  EXPECT_EQ(continued.text, expected.text);
  EXPECT_EQ(Tokens(*session), Tokens(*fresh));
  // An unrelated conversation on the same session shares at most the template's opening.
  session->SetHistory({{Role::kUser, "Completely different words here."}});
  const GenerateResult unrelated = MustGenerate(*session, Greedy(8));
  EXPECT_LT(unrelated.stats.reused_tokens, continued.stats.reused_tokens);
  auto fresh2 = NewSession(engine);
  fresh2->AddMessage(Role::kUser, "Completely different words here.");
  EXPECT_EQ(MustGenerate(*fresh2, Greedy(8)).text, unrelated.text);
}

// Sessions sharing a DecodeBatcher on their own threads decode together (fewer steps than
// tokens) and answer what each answers alone; a batcher of another model is refused.
TEST_P(ChatFixtureTest, DecodeBatcherSessionsMatchRunningAlone) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto batcher = DecodeBatcher::Create(engine->model(), 2);
  ASSERT_TRUE(batcher.ok()) << batcher.status().ToString();
  const std::vector<std::string> prompts = {"One fox.", "Two lazy dogs jump high.", "Three",
                                            "Four quick brown foxes and a dog."};
  std::vector<std::string> alone;
  for (const std::string& p : prompts) {
    auto session = NewSession(engine);
    session->AddMessage(Role::kUser, p);
    alone.push_back(MustGenerate(*session, Greedy(20)).text);
  }
  std::vector<std::string> together(prompts.size());
  std::vector<std::thread> threads;
  StartTogether start(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    threads.emplace_back([&, i] {
      SessionOptions options;
      options.decode_batcher = *batcher;
      auto session = NewSession(engine, options);
      session->AddMessage(Role::kUser, prompts[i]);
      together[i] = MustGenerate(*session, Greedy(20), start.Callback()).text;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(together, alone);
  EXPECT_GT((*batcher)->steps(), 0);
  EXPECT_LT((*batcher)->steps(), (*batcher)->tokens());  // some steps decoded several sessions

  auto other = LoadEngine(GetParam() == "qwen3_gqa" ? "gemma3_mqa" : "qwen3_gqa");
  ASSERT_NE(other, nullptr);
  SessionOptions wrong;
  wrong.decode_batcher = *batcher;
  EXPECT_EQ(Session::Create(other, wrong).status().code(), StatusCode::kInvalidArgument);
}

// Two sessions of one engine generating at the same time on two threads, on the engine's one
// thread pool (SessionOptions::num_threads 0, no DecodeBatcher): their matrix operations take
// turns on the pool, and each answers exactly what it answers alone (greedy and seeded).
TEST_P(ChatFixtureTest, TwoThreadsOnTheEnginePoolMatchRunningAlone) {
  EngineOptions engine_options;
  engine_options.num_threads = 2;  // a pool with a worker, so the two callers really share it
  auto engine = Engine::Create(GoldenDir() + "/models/" + GetParam(), engine_options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const std::vector<std::string> prompts = {"Two lazy dogs jump high.", "Four quick brown foxes and a dog."};
  const std::vector<GenerateOptions> options = {Greedy(24), Seeded(24, 7)};
  auto generate = [&](size_t i, const StreamCallback& on_text) {
    auto session = Session::Create(*engine);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    if (!session.ok()) return std::string();
    (*session)->AddMessage(Role::kUser, prompts[i]);
    return MustGenerate(**session, options[i], on_text).text;
  };
  std::vector<std::string> alone;
  for (size_t i = 0; i < prompts.size(); ++i) alone.push_back(generate(i, nullptr));
  std::vector<std::string> together(prompts.size());
  StartTogether start(prompts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < prompts.size(); ++i) {
    threads.emplace_back([&, i] { together[i] = generate(i, start.Callback()); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(together, alone);
  EXPECT_FALSE(alone[0].empty());
}

// A context that fills while generating ends with kContextFull; a prompt that cannot fit is
// OUT_OF_RANGE; the session survives both.
TEST_P(ChatFixtureTest, ContextFullAndPromptTooLong) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto probe = NewSession(engine);
  probe->AddMessage(Role::kUser, "Fill the context.");
  const int prompt_tokens = MustGenerate(*probe, Greedy(1)).stats.prompt_tokens;
  ASSERT_GT(prompt_tokens, 0);

  SessionOptions options;
  options.max_context = prompt_tokens + 3;
  auto session = NewSession(engine, options);
  ASSERT_EQ(session->max_context(), prompt_tokens + 3);
  session->AddMessage(Role::kUser, "Fill the context.");
  // Greedy can hit a stop token early; seeded sampling with many seeds finds a long run.
  bool saw_full = false;
  for (uint64_t seed = 0; seed < 20 && !saw_full; ++seed) {
    if (session->history().back().role == Role::kAssistant) {
      ASSERT_TRUE(session->RemoveLastReply().ok());
    }
    const GenerateResult r = MustGenerate(*session, Seeded(100, seed));
    EXPECT_LE(session->num_tokens(), session->max_context());
    if (r.finish_reason == FinishReason::kContextFull) {
      saw_full = true;
      EXPECT_EQ(session->num_tokens(), session->max_context());
      EXPECT_EQ(r.stats.context_tokens, session->max_context());
    } else {
      EXPECT_EQ(r.finish_reason, FinishReason::kStopToken);
    }
  }
  EXPECT_TRUE(saw_full);
  session->AddMessage(Role::kUser, LongText(50));
  auto too_long = session->Generate(Greedy(4));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(too_long.status().message().find("tokens"), std::string::npos);
  // Still usable: a short conversation after Clear().
  session->Clear();
  EXPECT_EQ(session->num_tokens(), 0);
  session->AddMessage(Role::kUser, "Hi");
  EXPECT_TRUE(session->Generate(Greedy(1)).ok());
}

// Stop strings cut the text before the stop and never reach the stream.
TEST_P(ChatFixtureTest, StopStringsCutTextAndNeverStream) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  int checked = 0;
  for (uint64_t seed = 0; seed < 12 && checked < 3; ++seed) {
    auto plain = NewSession(engine);
    plain->AddMessage(Role::kUser, "Talk.");
    const GenerateResult full = MustGenerate(*plain, Seeded(40, seed));
    if (full.text.size() < 12) continue;
    // A 3-byte stop string from the middle of the reply, starting on a character boundary.
    size_t at = full.text.size() / 2;
    while (at > 0 && (static_cast<unsigned char>(full.text[at]) & 0xC0) == 0x80) --at;
    const std::string stop = full.text.substr(at, 3);
    const std::string never = "\x01never-appears\x01";
    const size_t cut = full.text.find(stop);

    auto session = NewSession(engine);
    session->AddMessage(Role::kUser, "Talk.");
    GenerateOptions options = Seeded(40, seed);
    options.stop_strings = {never, stop};
    std::string streamed;
    const GenerateResult r = MustGenerate(*session, options, [&](std::string_view p) {
      streamed += p;
      return true;
    });
    EXPECT_EQ(r.finish_reason, FinishReason::kStopString) << "stop=" << stop;
    EXPECT_EQ(r.text, full.text.substr(0, cut)) << "stop=" << stop;
    EXPECT_EQ(streamed, r.text);
    EXPECT_EQ(streamed.find(stop), std::string::npos);
    EXPECT_EQ(session->history().back().content, r.text);
    ++checked;
  }
  EXPECT_EQ(checked, 3) << "the fixture produced too few long replies";
}

// Cancel() from another thread while Generate streams stops within one decode step.
TEST_P(ChatFixtureTest, CancelDuringDecodeStopsWithinOneStep) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  bool checked = false;
  for (uint64_t seed = 0; seed < 12 && !checked; ++seed) {
    auto session = NewSession(engine);
    session->AddMessage(Role::kUser, "Go on and on.");
    std::mutex mu;
    std::condition_variable cv;
    bool want_cancel = false, cancelled = false;
    std::thread canceller([&] {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return want_cancel; });
      session->Cancel();
      cancelled = true;
      cv.notify_all();
    });
    int pieces = 0, after_cancel = 0;
    const GenerateResult r = MustGenerate(*session, Seeded(200, seed), [&](std::string_view) {
      std::unique_lock<std::mutex> lock(mu);
      if (cancelled) ++after_cancel;
      if (++pieces == 3) {
        want_cancel = true;
        cv.notify_all();
        cv.wait(lock, [&] { return cancelled; });  // Cancel() has returned before we go on
      }
      return true;
    });
    {
      std::lock_guard<std::mutex> lock(mu);
      want_cancel = true;  // release the thread if the reply ended before 3 pieces
    }
    cv.notify_all();
    canceller.join();
    if (pieces < 3 || r.finish_reason == FinishReason::kStopToken) continue;
    EXPECT_EQ(r.finish_reason, FinishReason::kCancelled);
    EXPECT_LE(after_cancel, 1) << "more than one decode step after Cancel()";
    EXPECT_LT(r.stats.generated_tokens, 200);
    // The session stays usable, and the partial reply is in the history.
    EXPECT_EQ(session->history().back().role, Role::kAssistant);
    session->AddMessage(Role::kUser, "Next.");
    const GenerateResult next = MustGenerate(*session, Greedy(4));
    EXPECT_NE(next.finish_reason, FinishReason::kCancelled);
    checked = true;
  }
  EXPECT_TRUE(checked) << "no seed produced a long enough reply to cancel";
}

// A stream callback that returns false stops generation the same way.
TEST_P(ChatFixtureTest, CallbackReturningFalseCancels) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  for (uint64_t seed = 0; seed < 12; ++seed) {
    auto session = NewSession(engine);
    session->AddMessage(Role::kUser, "Go on.");
    int pieces = 0;
    const GenerateResult r =
        MustGenerate(*session, Seeded(100, seed), [&](std::string_view) { return ++pieces < 2; });
    if (pieces < 2) continue;
    EXPECT_EQ(r.finish_reason, FinishReason::kCancelled);
    EXPECT_EQ(pieces, 2);
    return;
  }
  FAIL() << "no seed produced two pieces";
}

// A session over a bare Model does tokens only.
TEST_P(ChatFixtureTest, BareModelSessionRefusesChat) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto session = Session::Create(engine->model());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  (*session)->AddMessage(Role::kUser, "Hi");
  EXPECT_EQ((*session)->Generate().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*session)->Complete("Hi").status().code(), StatusCode::kFailedPrecondition);
  const std::vector<TokenId> ids = {5, 6, 7};
  EXPECT_TRUE((*session)->Prefill(ids).ok());
  EXPECT_EQ((*session)->num_tokens(), 3);
}

TEST(SessionChatTest, GemmaPromptStartsWithExactlyOneBos) {
  for (const char* name : {"gemma3_sliding", "gemma3_mqa"}) {
    auto engine = LoadEngine(name);
    ASSERT_NE(engine, nullptr);
    auto session = NewSession(engine);
    session->AddMessage(Role::kSystem, "Be brief.");
    session->AddMessage(Role::kUser, "Hi");
    MustGenerate(*session, Greedy(1));
    ASSERT_GE(session->num_tokens(), 2);
    EXPECT_EQ(session->tokens()[0], 2) << name;
    EXPECT_NE(session->tokens()[1], 2) << name;
  }
}

TEST(SessionChatTest, QwenThinkingSwitchRendersEmptyThinkBlock) {
  auto engine = LoadEngine("qwen3_gqa");
  ASSERT_NE(engine, nullptr);
  auto prompt_text = [&](std::optional<bool> thinking, int* prompt_tokens) {
    auto session = NewSession(engine);
    session->AddMessage(Role::kUser, "Hi");
    GenerateOptions options = Greedy(1);  // the one sampled token is not fed back
    options.enable_thinking = thinking;
    const GenerateResult r = MustGenerate(*session, options);
    *prompt_tokens = r.stats.prompt_tokens;
    EXPECT_EQ(session->num_tokens(), r.stats.prompt_tokens);
    auto text = engine->tokenizer().Decode(session->tokens());
    EXPECT_TRUE(text.ok());
    return text.ok() ? *text : std::string();
  };
  int off_tokens = 0, on_tokens = 0;
  const std::string off = prompt_text(false, &off_tokens);
  const std::string on = prompt_text(true, &on_tokens);
  const std::string assistant = "<|im_start|>assistant\n";
  EXPECT_EQ(off.substr(off.size() - assistant.size() - 19), assistant + "<think>\n\n</think>\n\n");
  EXPECT_TRUE(on.ends_with(assistant)) << on;
  EXPECT_GT(off_tokens, on_tokens);
}

// Prefill of a ~2000-token prompt, cancelled from another thread: kCancelled, fewer tokens
// held than the prompt, and the next Generate equals a fresh session's answer.
TEST(SessionChatTest, CancelDuringLongPrefillLeavesSessionUsable) {
  auto engine = LoadEngine("qwen3_gqa");
  ASSERT_NE(engine, nullptr);
  SessionOptions options;
  options.max_context = 4096;
  auto session = NewSession(engine, options);
  session->AddMessage(Role::kUser, LongText(650));
  std::atomic<bool> done{false};
  std::thread canceller([&] {
    while (!done.load()) {
      session->Cancel();  // repeated: a Cancel() before Generate starts is cleared by it
      std::this_thread::yield();
    }
  });
  const GenerateResult cancelled = MustGenerate(*session, Greedy(8));
  done = true;
  canceller.join();
  EXPECT_GE(cancelled.stats.prompt_tokens, 1900);
  EXPECT_EQ(cancelled.finish_reason, FinishReason::kCancelled);
  EXPECT_EQ(cancelled.stats.generated_tokens, 0);
  EXPECT_LT(session->num_tokens(), cancelled.stats.prompt_tokens);
  EXPECT_TRUE(cancelled.text.empty());
  ASSERT_EQ(session->history().size(), 1u) << "a cancelled prefill must not add a reply";

  const GenerateResult resumed = MustGenerate(*session, Greedy(8));
  EXPECT_NE(resumed.finish_reason, FinishReason::kCancelled);
  EXPECT_EQ(resumed.stats.reused_tokens, cancelled.stats.context_tokens);
  auto fresh = NewSession(engine, options);
  fresh->AddMessage(Role::kUser, LongText(650));
  const GenerateResult reference = MustGenerate(*fresh, Greedy(8));
  EXPECT_EQ(resumed.text, reference.text);
  EXPECT_EQ(Tokens(*session), Tokens(*fresh));
}

// Two threads on one Engine give the same results as each run alone.
TEST(SessionChatTest, TwoThreadsOnOneEngineMatchRunningAlone) {
  for (const char* name : {"qwen3_gqa", "gemma3_sliding"}) {
    auto engine = LoadEngine(name);
    ASSERT_NE(engine, nullptr);
    const std::vector<GenerateOptions> options = {Greedy(24), Seeded(24, 42)};
    const std::vector<std::string> prompts = {"First thread: " + LongText(40), "Second: hello?"};
    auto run = [&](int which, GenerateResult* out, std::vector<TokenId>* tokens) {
      auto session = NewSession(engine);
      session->AddMessage(Role::kUser, prompts[which]);
      *out = MustGenerate(*session, options[which]);
      session->AddMessage(Role::kUser, "And again.");
      GenerateResult second = MustGenerate(*session, options[which]);
      out->text += "|" + second.text;
      *tokens = Tokens(*session);
    };
    GenerateResult alone[2], together[2];
    std::vector<TokenId> alone_tokens[2], together_tokens[2];
    run(0, &alone[0], &alone_tokens[0]);
    run(1, &alone[1], &alone_tokens[1]);
    for (int repeat = 0; repeat < 3; ++repeat) {
      std::thread t0(run, 0, &together[0], &together_tokens[0]);
      std::thread t1(run, 1, &together[1], &together_tokens[1]);
      t0.join();
      t1.join();
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(together[i].text, alone[i].text) << name << " thread " << i;
        EXPECT_EQ(together_tokens[i], alone_tokens[i]) << name << " thread " << i;
      }
    }
  }
}

// Sessions on the Engine's shared thread pool (SessionOptions.num_threads = 0, the engine's
// count), used from four threads at once, give what each gives alone: their parallel jobs
// (e.g. the LM head over the whole vocabulary) take turns on the one pool.
TEST(SessionChatTest, SessionsSharingTheEnginesPoolMatchRunningAlone) {
  EngineOptions engine_options;
  engine_options.num_threads = 2;
  auto created = Engine::Create(GoldenDir() + "/models/qwen3_gqa", engine_options);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::shared_ptr<const Engine> engine = *created;
  auto run = [&](int which, std::vector<TokenId>* tokens) {
    auto session = Session::Create(engine);  // num_threads 0: the engine's pool
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    (*session)->AddMessage(Role::kUser, "Caller " + std::to_string(which) + ": " + LongText(8 + which));
    MustGenerate(**session, which % 2 ? Seeded(16, 7 + which) : Greedy(16));
    *tokens = Tokens(**session);
  };
  constexpr int kThreads = 4;
  std::vector<TokenId> alone[kThreads], together[kThreads];
  for (int i = 0; i < kThreads; ++i) run(i, &alone[i]);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(run, i, &together[i]);
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(together[i], alone[i]) << "thread " << i;
}


// ---- Repro tests for bugs found in review (fail before the fix) ----

// Complete() on a fresh Gemma session must start with BOS, as HF's tokenizer(text) does.
TEST(SessionChatTest, GemmaCompletionStartsWithOneBos) {
  for (const char* name : {"gemma3_sliding", "gemma3_mqa"}) {
    auto engine = LoadEngine(name);
    ASSERT_NE(engine, nullptr);
    auto completion = NewSession(engine);
    ASSERT_TRUE(completion->Complete("Once upon a time", Greedy(1)).ok());
    ASSERT_GE(completion->num_tokens(), 2);
    EXPECT_EQ(completion->tokens()[0], 2) << name;
    EXPECT_NE(completion->tokens()[1], 2) << name;
  }
}

// The released Gemma 3 tokenizer.json has 262145 entries (<image_soft_token> = 262144, special)
// while config.json says vocab_size 262144: Engine::Create must accept such a checkpoint.
TEST(SessionChatTest, EngineAcceptsSpecialTokensBeyondTheModelVocab) {
  namespace fs = std::filesystem;
  const fs::path src = GoldenDir() + "/models/gemma3_mqa";
  const fs::path dir = fs::temp_directory_path() / "litertlm_gemma3_extra_special";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* f : {"config.json", "generation_config.json", "model.safetensors", "tokenizer_config.json"})
    fs::copy_file(src / f, dir / f);
  std::ifstream in(src / "tokenizer.json", std::ios::binary);
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string anchor = "\"added_tokens\": [";
  const size_t at = json.find(anchor);
  ASSERT_NE(at, std::string::npos);
  json.insert(at + anchor.size(),
              "{\"id\": 512, \"content\": \"<image_soft_token>\", \"single_word\": false, \"lstrip\": false, "
              "\"rstrip\": false, \"normalized\": false, \"special\": true},");
  std::ofstream(dir / "tokenizer.json", std::ios::binary) << json;
  auto engine = Engine::Create(dir.string());
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_EQ((*engine)->tokenizer().vocab_size(), 513);
  auto session = NewSession(*engine);
  session->AddMessage(Role::kUser, "Hi");
  EXPECT_TRUE(session->Generate(Greedy(4)).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace litertlm
