// ContextOverflow::kDropOldest (the Session keeps a conversation going when it outgrows the
// context), Engine::has_own_chat_template(), and Complete() keeping the whole printed text in the
// context, on the tiny golden checkpoints (random weights, real tokenizers and templates).
// Correctness of the KV cache after dropping is checked against a fresh session that prefills
// the same tokens (or renders the same, shortened history).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "litertlm/engine.h"
#include "litertlm/session.h"

namespace litertlm {
namespace {

std::string GoldenDir() {
  const char* v = std::getenv("LITERTLM_GOLDEN_DIR");
  return v != nullptr && *v != '\0' ? v : LITERTLM_GOLDEN_DIR_DEFAULT;
}

std::shared_ptr<const Engine> LoadEngine(const std::string& name) {
  auto created = Engine::Create(GoldenDir() + "/models/" + name);
  EXPECT_TRUE(created.ok()) << name << ": " << created.status().ToString();
  return created.ok() ? *created : nullptr;
}

std::unique_ptr<Session> NewSession(const std::shared_ptr<const Engine>& engine, int max_context,
                                    ContextOverflow overflow) {
  SessionOptions options;
  options.num_threads = 1;
  options.max_context = max_context;
  options.context_overflow = overflow;
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

std::string Words(int n, int salt) {
  static const char* kWords[] = {"river", "stone", "cloud", "apple", "green", "quiet", "north", "lamp"};
  std::string text;
  for (int i = 0; i < n; ++i) {
    if (i > 0) text += ' ';
    text += kWords[(i * 3 + salt) % 8];
  }
  return text;
}

// The session's KV cache is what a fresh session computes for the same tokens.
void ExpectCacheMatchesFreshPrefill(const std::shared_ptr<const Engine>& engine, const Session& session) {
  auto fresh = NewSession(engine, session.max_context(), ContextOverflow::kStop);
  std::vector<TokenId> tokens(session.tokens().begin(), session.tokens().end());
  ASSERT_TRUE(fresh->Prefill(tokens).ok());
  const auto a = session.LastLogits();
  const auto b = fresh->LastLogits();
  ASSERT_EQ(a.size(), b.size());
  float worst = 0, scale = 1e-6f;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::fabs(a[i] - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  EXPECT_LT(worst, 1e-3f * scale) << "the cache after dropping differs from a fresh prefill";
}

class OverflowTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, OverflowTest, ::testing::Values("qwen3_gqa", "gemma3_sliding"));

// Many turns in a small context: every turn is answered, the oldest turns go, the system message
// stays, and each answer equals a fresh session's on the shortened history.
TEST_P(OverflowTest, ChatDropsOldestTurnsKeepsSystemMessage) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto session = NewSession(engine, 160, ContextOverflow::kDropOldest);
  session->AddMessage(Role::kSystem, "Be brief.");
  int dropped = 0;
  for (int turn = 0; turn < 10; ++turn) {
    session->AddMessage(Role::kUser, Words(14, turn));
    auto result = session->Generate(Greedy(8));
    ASSERT_TRUE(result.ok()) << "turn " << turn << ": " << result.status().ToString();
    EXPECT_LE(session->num_tokens(), session->max_context());
    EXPECT_EQ(session->history().front().role, Role::kSystem);
    EXPECT_EQ(session->history().front().content, "Be brief.");
    dropped += result->stats.dropped_messages;
    if (result->stats.dropped_messages > 0) {
      EXPECT_GT(result->stats.reused_tokens, 0);  // the system message's prefix is reused
      std::vector<Message> history = session->history();
      history.pop_back();
      auto fresh = NewSession(engine, 160, ContextOverflow::kStop);
      for (const Message& m : history) fresh->AddMessage(m.role, m.content);
      auto expected = fresh->Generate(Greedy(8));
      ASSERT_TRUE(expected.ok());
      EXPECT_EQ(result->text, expected->text) << "turn " << turn;
    }
  }
  EXPECT_GT(dropped, 0);
  // The same conversation without dropping runs out of room.
  auto stopping = NewSession(engine, 160, ContextOverflow::kStop);
  stopping->AddMessage(Role::kSystem, "Be brief.");
  bool failed = false;
  for (int turn = 0; turn < 10 && !failed; ++turn) {
    stopping->AddMessage(Role::kUser, Words(14, turn));
    auto result = stopping->Generate(Greedy(8));
    failed = !result.ok() || result->finish_reason == FinishReason::kContextFull;
  }
  EXPECT_TRUE(failed);
}

// An answer that fills the context goes on after the oldest turns are dropped mid-answer.
TEST_P(OverflowTest, AnswerGoesOnPastAFullContext) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto fill = [](Session& s) {
    s.AddMessage(Role::kUser, Words(20, 1));
    s.AddMessage(Role::kAssistant, Words(20, 2));
    s.AddMessage(Role::kUser, "go on");
  };
  auto probe = NewSession(engine, 0, ContextOverflow::kStop);
  fill(*probe);
  auto r = probe->Generate(Greedy(1));
  ASSERT_TRUE(r.ok());
  // Exactly room for the prompt and a quarter of the context: nothing is dropped before the
  // answer, which then fills the context.
  const int max_context = r->stats.prompt_tokens * 4 / 3 + 2;
  auto session = NewSession(engine, max_context, ContextOverflow::kDropOldest);
  fill(*session);
  auto result = session->Generate(Greedy(max_context));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->stats.reused_tokens, 0);
  EXPECT_EQ(result->stats.dropped_messages, 2);
  EXPECT_LE(session->num_tokens(), max_context);
  ASSERT_EQ(session->history().size(), 2u);
  EXPECT_EQ(session->history()[0].content, "go on");
  // Past the point where the context was full (it may fill again: then only this turn is left).
  EXPECT_GT(result->stats.generated_tokens, max_context - r->stats.prompt_tokens);
  ExpectCacheMatchesFreshPrefill(engine, *session);
}

// Raw completion drops the oldest tokens, never the start token, and never fails.
TEST_P(OverflowTest, CompleteDropsOldestTokens) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto session = NewSession(engine, 64, ContextOverflow::kDropOldest);
  const auto start = engine->defaults().start_token_id;
  int dropped = 0;
  for (int turn = 0; turn < 12; ++turn) {
    std::string text = Words(6, turn);
    text.insert(text.begin(), ' ');
    auto result = session->Complete(text, Greedy(30));
    ASSERT_TRUE(result.ok()) << "turn " << turn << ": " << result.status().ToString();
    EXPECT_NE(result->finish_reason, FinishReason::kContextFull);
    EXPECT_LE(session->num_tokens(), 64);
    if (start) {
      EXPECT_EQ(session->tokens()[0], *start);
    }
    dropped += result->stats.dropped_tokens;
  }
  EXPECT_GT(dropped, 0);
  ExpectCacheMatchesFreshPrefill(engine, *session);
  // Too long even alone: still OUT_OF_RANGE.
  auto too_long = session->Complete(Words(200, 0), Greedy(1));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kOutOfRange);
}

// A completion that stopped at max_tokens printed its last token: the next Complete() must see it.
TEST_P(OverflowTest, CompleteKeepsTheWholePrintedText) {
  auto engine = LoadEngine(GetParam());
  ASSERT_NE(engine, nullptr);
  auto session = NewSession(engine, 0, ContextOverflow::kStop);
  auto first = session->Complete("Hello there", Greedy(3));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->finish_reason, FinishReason::kMaxTokens);
  const int prompt = first->stats.prompt_tokens;
  ASSERT_TRUE(session->Complete(" again", Greedy(1)).ok());
  std::vector<TokenId> answer(session->tokens().begin() + prompt, session->tokens().begin() + prompt + 3);
  auto text = engine->tokenizer().Decode(answer);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, first->text);
}

TEST(OverflowOptionTest, UnknownValueIsRefused) {
  auto engine = LoadEngine("qwen3_gqa");
  ASSERT_NE(engine, nullptr);
  SessionOptions options;
  options.context_overflow = static_cast<ContextOverflow>(7);
  auto session = Session::Create(engine, options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(session.status().message().find("context_overflow"), std::string::npos);
}

TEST(OwnChatTemplateTest, CheckpointWithAndWithoutChatTemplate) {
  namespace fs = std::filesystem;
  auto with = LoadEngine("qwen3_gqa");
  ASSERT_NE(with, nullptr);
  EXPECT_TRUE(with->has_own_chat_template());
  const fs::path src = GoldenDir() + "/models/qwen3_gqa";
  const fs::path dir = fs::temp_directory_path() / ("litertlm_no_template_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* f : {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json"})
    fs::copy_file(src / f, dir / f);
  std::ofstream(dir / "tokenizer_config.json") << "{\"eos_token\": \"<|im_end|>\"}";
  auto without = Engine::Create(dir.string());
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_FALSE((*without)->has_own_chat_template());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace litertlm
