// `convert --format tflite` on the Gemma 3 fixtures, read back by our own engine: the file's
// logits are the checkpoint's (fp32), including gemma3_mqa's final logit soft-cap (10), which the
// writer emits as DIV/TANH/MUL and the importer must recognise. And the default conversion (a
// TFLite file, FileFormat::kAuto) of every fixture in every quantization the TFLite format offers,
// reloaded as users load it, against the fp32 checkpoint: top-1 agreement, mean KL, perplexity
// and what the file records. Google's runtime on the same files:
// tests/google_runtime/google_runtime_test.py.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <span>
#include <string>
#include <vector>

#include "converter/conversion_source.h"
#include "converter/validation.h"
#include "format/executor_metadata.h"
#include "format/litertlm_reader.h"
#include "format/litertlm_writer.h"
#include "format/llm_metadata.pb.h"
#include "litertlm/converter.h"
#include "litertlm/tokenizer.h"
#include "litertlm/model.h"
#include "litertlm/session.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

using testing::GoldenDir;
using testing::ScratchDir;

class TfliteFormatTest : public ::testing::TestWithParam<const char*> {};

TEST_P(TfliteFormatTest, Fp32FileGivesTheCheckpointsLogits) {
  const std::string fixture = GoldenDir() + "/models/" + GetParam();
  const std::string out = ScratchDir() + "/model.litertlm";
  ConvertOptions options;
  options.format = FileFormat::kTflite;
  options.quantization = Quantization::kFp32;
  options.prefill_seq_lens = {8};
  options.kv_cache_max_len = 64;
  auto result = Convert(fixture, out, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto converted = ModelLoader::Load(out);
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  auto checkpoint = ModelLoader::Load(fixture);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  auto a = Session::Create(*checkpoint);
  auto b = Session::Create(*converted);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::vector<TokenId> prompt = {2, 393, 418, 466, 385, 390, 408, 452, 451, 395, 401, 394};
  ASSERT_TRUE((*a)->Prefill(prompt).ok());
  ASSERT_TRUE((*b)->Prefill(prompt).ok());
  for (int step = 0; step < 16; ++step) {
    const auto want = (*a)->LastLogits();
    const auto got = (*b)->LastLogits();
    ASSERT_EQ(want.size(), got.size());
    float max_ref = 0, max_diff = 0;
    for (size_t v = 0; v < want.size(); ++v) {
      max_ref = std::max(max_ref, std::fabs(want[v]));
      max_diff = std::max(max_diff, std::fabs(got[v] - want[v]));
    }
    ASSERT_LE(max_diff, 1e-4f * max_ref) << GetParam() << " step " << step;
    const TokenId next = static_cast<TokenId>(std::max_element(want.begin(), want.end()) - want.begin());
    ASSERT_TRUE((*a)->Prefill(std::span(&next, 1)).ok());
    ASSERT_TRUE((*b)->Prefill(std::span(&next, 1)).ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Gemma3, TfliteFormatTest, ::testing::Values("gemma3_mqa", "gemma3_sliding"),
                         [](const auto& p) { return std::string(p.param); });

double MeanPerplexity(const std::shared_ptr<const Model>& model, const std::vector<std::vector<TokenId>>& prompts) {
  double nll = 0;
  size_t n = 0;
  for (const auto& p : prompts) {
    auto r = ComputePerplexity(model, p);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return 0;
    for (double v : r->nll) nll += v;
    n += r->nll.size();
  }
  return std::exp(nll / static_cast<double>(n));
}

// Bounds from these fixtures (288 positions each; nearly flat next-token distributions, so int8
// weights flip near-ties), loaded as users load them (int8 weights with 16-bit activations): int8
// top-1 92.7–96.2 %, mean KL ≤ 1.8e-3 (with Google's 8-bit rounding: 90.3 %, 3.4e-3); fp32 exact.
class TfliteDefaultConversionTest : public ::testing::TestWithParam<std::tuple<const char*, Quantization>> {};

TEST_P(TfliteDefaultConversionTest, ReloadedFileFollowsTheCheckpoint) {
  const std::string name = std::get<0>(GetParam());
  const Quantization q = std::get<1>(GetParam());
  const std::string fixture = GoldenDir() + "/models/" + name;
  const std::string out = ScratchDir() + "/model.litertlm";
  ConvertOptions options;  // the default format
  options.quantization = q;
  auto result = Convert(fixture, out, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->format, FileFormat::kTflite);
  ASSERT_TRUE(result->validation.has_value());
  EXPECT_TRUE(result->validation->passed);

  format::ReaderOptions any_file;
  any_file.require_model_sections = false;
  auto reader = format::LitertlmReader::Open(out, any_file);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_NE((*reader)->metadata(), nullptr);
  EXPECT_EQ((*reader)->metadata()->conversion_info().quantization(), QuantizationName(q));
  EXPECT_DOUBLE_EQ((*reader)->metadata()->conversion_info().validation().top1_agreement(),
                   result->validation->top1_agreement);

  auto src = converter::OpenConversionSource(fixture);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  auto checkpoint = ModelLoader::Load(fixture);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  auto converted = ModelLoader::Load(out);
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  auto tok = Tokenizer::FromFile(fixture);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  auto prompts = converter::MakeValidationPrompts(**tok, src->config, 1280);
  ASSERT_TRUE(prompts.ok());
  auto want = converter::RunPrompts((*checkpoint)->impl(), *prompts, 0);
  auto got = converter::RunPrompts((*converted)->impl(), *prompts, 0);
  ASSERT_TRUE(want.ok() && got.ok());
  converter::LogitComparison cmp(src->config.vocab_size);
  for (size_t p = 0; p < prompts->size(); ++p) {
    cmp.Add((*want)[p], (*got)[p]);
    cmp.EndPrompt();
  }
  const bool fp32 = q == Quantization::kFp32;
  const ValidationReport r = cmp.Report(fp32 ? 0.999 : 0.90);
  const double ppl_src = MeanPerplexity(*checkpoint, *prompts);
  const double ppl = MeanPerplexity(*converted, *prompts);
  std::printf("[quality] %-18s tflite %-13s top1 %.4f  meanKL %.3g  max|d| %.3g  ppl %.4f (fp32 %.4f)\n", name.c_str(),
              QuantizationName(q).c_str(), r.top1_agreement, r.mean_kl, r.max_abs_logit_diff, ppl, ppl_src);
  EXPECT_GE(r.positions, 256);
  EXPECT_GE(r.top1_agreement, fp32 ? 0.999 : 0.90);
  EXPECT_LE(r.mean_kl, fp32 ? 1e-9 : 0.003);
  EXPECT_NEAR(ppl / ppl_src, 1.0, fp32 ? 1e-5 : 0.03);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, TfliteDefaultConversionTest,
    ::testing::Combine(::testing::Values("qwen3_gqa", "qwen3_tied", "qwen3_rope_scaled", "gemma3_mqa", "gemma3_sliding"),
                       ::testing::Values(Quantization::kFp32, Quantization::kInt8, Quantization::kDynamicInt8)),
    [](const auto& p) { return std::string(std::get<0>(p.param)) + "_" + QuantizationName(std::get<1>(p.param)); });

// ---- The ExecutorMetadataProto section and the container version ----

namespace pb = ::litert::lm::proto;

StatusOr<std::string> ConvertTflite(const std::string& dir, const std::string& checkpoint, Quantization quantization,
                                    FileFormat format) {
  const std::string out = dir + "/" + checkpoint + ".litertlm";
  ConvertOptions options;
  options.format = format;
  options.quantization = quantization;
  options.prefill_seq_lens = {8};
  options.kv_cache_max_len = 64;
  options.validate = false;  // the agreement of these random-weight models is not what is tested here
  auto result = Convert(GoldenDir() + "/models/" + checkpoint, out, options);
  if (!result.ok()) return result.status();
  return out;
}

std::unique_ptr<format::LitertlmReader> OpenLenient(const std::string& path) {
  format::ReaderOptions options;
  options.require_model_sections = false;
  auto reader = format::LitertlmReader::Open(path, options);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  return reader.ok() ? std::move(*reader) : nullptr;
}

std::string SectionString(const format::LitertlmReader& reader, format::SectionType type) {
  for (const format::SectionInfo& s : reader.sections()) {
    if (s.type != static_cast<uint8_t>(type)) continue;
    std::span<const uint8_t> b = reader.SectionBytes(s);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return "";
}

struct GoogleTwin {
  const char* checkpoint;
  Quantization quantization;
  const char* google_file;  // tests/golden/google/: export_hf of the same checkpoint, KV cache 64
};

class ExecutorMetadataTest : public ::testing::TestWithParam<GoogleTwin> {};

// What Google's export_hf writes for the same checkpoint and KV cache length, byte for byte
// (export_hf's prefill lengths 8,32 vs ours 8: the section does not depend on them).
TEST_P(ExecutorMetadataTest, SectionIsGooglesForTheSameCheckpoint) {
  auto path = ConvertTflite(ScratchDir(), GetParam().checkpoint, GetParam().quantization, FileFormat::kTflite);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  auto ours = OpenLenient(*path);
  auto google = OpenLenient(GoldenDir() + "/google/" + GetParam().google_file + ".litertlm");
  ASSERT_TRUE(ours && google);
  EXPECT_EQ(ours->major_version(), 1u);
  EXPECT_EQ(ours->minor_version(), 7u);
  EXPECT_EQ(ours->patch_version(), 0u);
  EXPECT_EQ(google->minor_version(), 7u);
  const std::string section = SectionString(*ours, format::SectionType::kExecutorMetadataProto);
  ASSERT_FALSE(section.empty());
  EXPECT_EQ(section, SectionString(*google, format::SectionType::kExecutorMetadataProto));
  ASSERT_NE(ours->executor_metadata(), nullptr);
  EXPECT_EQ(ours->executor_metadata()->llm_executor_metadata().state_buffers_size(),
            google->executor_metadata()->llm_executor_metadata().state_buffers_size());
}

INSTANTIATE_TEST_SUITE_P(
    Twins, ExecutorMetadataTest,
    ::testing::Values(GoogleTwin{"qwen3_gqa", Quantization::kDynamicInt8, "qwen3_gqa_export_hf_int8"},
                      GoogleTwin{"qwen3_gqa", Quantization::kFp32, "qwen3_gqa_export_hf_fp32"},
                      GoogleTwin{"gemma3_sliding", Quantization::kDynamicInt8, "gemma3_sliding_export_hf_int8"}),
    [](const auto& p) { return std::string(p.param.google_file); });

TEST(ExecutorMetadataOwnFormat, Keeps160AndHasNoSection) {
  auto path = ConvertTflite(ScratchDir(), "qwen3_gqa", Quantization::kDynamicInt8, FileFormat::kLiblitertlm);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  auto reader = OpenLenient(*path);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->minor_version(), 6u);
  EXPECT_EQ(reader->executor_metadata(), nullptr);
  EXPECT_TRUE(SectionString(*reader, format::SectionType::kExecutorMetadataProto).empty());
}

// A copy of `in` whose ExecutorMetadata section is `metadata` (none when nullptr: then stamped
// 1.6.0, as `convert --format tflite` wrote before the section), every other section as it was.
void RewriteExecutorMetadata(const std::string& in, const std::string& out, const pb::ExecutorMetadata* metadata) {
  auto reader = OpenLenient(in);
  ASSERT_TRUE(reader);
  auto writer = format::LitertlmWriter::Create(out);
  ASSERT_TRUE(writer.ok());
  (*writer)->SetVersion(metadata != nullptr ? format::kGoogleToolsVersion : format::kOwnFormatVersion);
  for (const format::SectionInfo& s : reader->sections()) {
    if (s.type == static_cast<uint8_t>(format::SectionType::kExecutorMetadataProto)) {
      if (metadata != nullptr) {
        ASSERT_TRUE((*writer)->AddExecutorMetadata(*metadata).ok());
      }
    } else {
      ASSERT_TRUE((*writer)->AddSection(static_cast<format::SectionType>(s.type), s.items, reader->SectionBytes(s)).ok());
    }
  }
  ASSERT_TRUE((*writer)->Finish().ok());
}

std::vector<TokenId> Greedy(const std::string& path, int steps) {
  auto model = ModelLoader::Load(path);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return {};
  auto session = Session::Create(*model);
  EXPECT_TRUE(session.ok());
  if (!session.ok()) return {};
  std::vector<TokenId> tokens = {17, 45, 99, 260, 31, 7};
  EXPECT_TRUE((*session)->Prefill(tokens).ok());
  std::vector<TokenId> out;
  for (int i = 0; i < steps; ++i) {
    const auto logits = (*session)->LastLogits();
    const TokenId next = static_cast<TokenId>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(next);
    EXPECT_TRUE((*session)->Prefill(std::span(&next, 1)).ok());
  }
  return out;
}

// Our engine sizes its caches from the graph. A section that contradicts the graph is refused at
// load with the buffer named (Google's runtime, which sizes its state from it, would not run the
// file as we do); one that only limits less than the graph holds is not a contradiction.
TEST(ExecutorMetadataAtLoad, ContradictionIsRefusedLimitIsNot) {
  const std::string dir = ScratchDir();
  auto path = ConvertTflite(dir, "qwen3_gqa", Quantization::kDynamicInt8, FileFormat::kTflite);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  auto reader = OpenLenient(*path);
  ASSERT_TRUE(reader && reader->executor_metadata() != nullptr);
  const pb::ExecutorMetadata original = *reader->executor_metadata();
  reader.reset();

  pb::ExecutorMetadata longer = original;
  longer.mutable_llm_executor_metadata()->mutable_state_buffers(3)->set_maximum_sequence_length(128);
  const std::string bad = dir + "/longer.litertlm";
  RewriteExecutorMetadata(*path, bad, &longer);
  auto refused = ModelLoader::Load(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              ::testing::HasSubstr(bad + ": ExecutorMetadata state buffer 3 (kv_cache_v_1): maximum_sequence_length "
                                         "128 > 64, the size of axis 3 of signature prefill_8 input kv_cache_v_1"));

  pb::ExecutorMetadata shorter = original;
  for (pb::StateBuffer& b : *shorter.mutable_llm_executor_metadata()->mutable_state_buffers()) {
    b.set_maximum_sequence_length(32);
  }
  shorter.mutable_llm_executor_metadata()->set_max_history_size(32);
  const std::string limited = dir + "/shorter.litertlm";
  RewriteExecutorMetadata(*path, limited, &shorter);
  const std::vector<TokenId> want = Greedy(*path, 8);
  ASSERT_EQ(want.size(), 8u);
  EXPECT_EQ(Greedy(limited, 8), want);

  // Files written before the section existed (1.6.0, no ExecutorMetadata) keep loading.
  const std::string before = dir + "/before.litertlm";
  RewriteExecutorMetadata(*path, before, nullptr);
  auto old_file = OpenLenient(before);
  ASSERT_TRUE(old_file);
  EXPECT_EQ(old_file->minor_version(), 6u);
  EXPECT_EQ(old_file->executor_metadata(), nullptr);
  EXPECT_EQ(Greedy(before, 8), want);
}

}  // namespace
}  // namespace litertlm
