// The ExecutorMetadataProto section: written and read back (LitertlmWriter / LitertlmReader),
// derived from a graph as litert-torch's export_hf derives it (checked against the sections of
// Google's own export_hf files in tests/golden/google/, made by tests/tools/make_google_fixtures.py),
// and checked against the graph (a contradiction is an error naming the buffer and field).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "format/executor_metadata.h"
#include "format/litertlm_reader.h"
#include "format/litertlm_writer.h"
#include "format/tflite_model.h"
#include "unit/format/litertlm_test_util.h"
#include "unit/test_util.h"

namespace litertlm::format {
namespace {

namespace pb = ::litert::lm::proto;
namespace sample = ::litertlm::format::testing;
namespace util = ::litertlm::testing;
using ::testing::HasSubstr;

pb::ExecutorMetadata TwoLayerMetadata(int length) {
  pb::ExecutorMetadata m;
  auto* llm = m.mutable_llm_executor_metadata();
  llm->set_max_history_size(length);
  for (int layer = 0; layer < 2; ++layer) {
    for (const char* kind : {"k", "v"}) {
      const std::string name = std::string("kv_cache_") + kind + "_" + std::to_string(layer);
      pb::StateBuffer* b = llm->add_state_buffers();
      b->set_prefill_input_name(name);
      b->set_prefill_output_name(name);
      b->set_decode_input_name(name);
      b->set_decode_output_name(name);
      b->set_type(*kind == 'k' ? pb::StateBuffer::TYPE_GLOBAL_KEY_CACHE : pb::StateBuffer::TYPE_GLOBAL_VALUE_CACHE);
      b->set_sequence_axis(*kind == 'k' ? 2 : 3);
      b->set_maximum_sequence_length(length);
    }
  }
  return m;
}

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string SectionString(const LitertlmReader& reader, SectionType type) {
  for (const SectionInfo& s : reader.sections()) {
    if (s.type != static_cast<uint8_t>(type)) continue;
    std::span<const uint8_t> b = reader.SectionBytes(s);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return "";
}

ReaderOptions Lenient() {
  ReaderOptions o;
  o.require_model_sections = false;
  return o;
}

TEST(ExecutorMetadataFile, RoundTripsWithVersion170) {
  const std::string path = util::ScratchDir() + "/exec.litertlm";
  const pb::ExecutorMetadata written = TwoLayerMetadata(64);
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    (*writer)->SetVersion(kGoogleToolsVersion);
    ASSERT_TRUE((*writer)->AddLlmMetadata(sample::SampleMetadata()).ok());
    ASSERT_TRUE((*writer)->AddExecutorMetadata(written).ok());
    Status s = (*writer)->Finish();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  auto reader = LitertlmReader::Open(path, Lenient());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->major_version(), 1u);
  EXPECT_EQ((*reader)->minor_version(), 7u);
  EXPECT_EQ((*reader)->patch_version(), 0u);
  ASSERT_EQ((*reader)->sections().size(), 2u);
  const SectionInfo& section = (*reader)->sections()[1];
  EXPECT_EQ(SectionTypeName(section.type), "ExecutorMetadataProto");
  EXPECT_EQ(section.type, 9);
  EXPECT_TRUE(section.items.empty());  // export_hf's section has no items either
  ASSERT_NE((*reader)->executor_metadata(), nullptr);
  EXPECT_EQ((*reader)->executor_metadata()->SerializeAsString(), written.SerializeAsString());
  EXPECT_EQ((*reader)->executor_metadata()->llm_executor_metadata().state_buffers(3).decode_output_name(),
            "kv_cache_v_1");
}

TEST(ExecutorMetadataFile, DefaultVersionIsTheOwnFormats) {
  const std::string path = util::ScratchDir() + "/own.litertlm";
  ASSERT_TRUE(sample::WriteSampleFile(path).ok());
  auto reader = LitertlmReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->minor_version(), kOwnFormatVersion.minor);
  EXPECT_EQ((*reader)->minor_version(), 6u);
  EXPECT_EQ((*reader)->executor_metadata(), nullptr);
}

TEST(ExecutorMetadataFile, VersionWithStructHeaderIsRefused) {
  const std::string path = util::ScratchDir() + "/v11.litertlm";
  auto writer = LitertlmWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  (*writer)->SetVersion({1, 1, 0});
  ASSERT_TRUE((*writer)->AddLlmMetadata(sample::SampleMetadata()).ok());
  Status s = (*writer)->Finish();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("cannot stamp version 1.1.0"));
}

TEST(ExecutorMetadataFile, TwoSectionsAreRefused) {
  const std::string path = util::ScratchDir() + "/two.litertlm";
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->AddExecutorMetadata(TwoLayerMetadata(64)).ok());
    ASSERT_TRUE((*writer)->AddExecutorMetadata(TwoLayerMetadata(32)).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  auto reader = LitertlmReader::Open(path, Lenient());
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(), HasSubstr("more than one ExecutorMetadataProto section"));
}

TEST(ExecutorMetadataFile, MalformedProtobufIsNamed) {
  const std::string path = util::ScratchDir() + "/bad.litertlm";
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    const std::string garbage("\x0a\xff\xff\xff\xff\x0f", 6);  // field 1, length past the end
    ASSERT_TRUE((*writer)->AddSection(SectionType::kExecutorMetadataProto, {}, AsBytes(garbage)).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  auto reader = LitertlmReader::Open(path, Lenient());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(reader.status().message(), HasSubstr("ExecutorMetadataProto section is not a valid"));
  EXPECT_THAT(reader.status().message(), HasSubstr(path));
}

// Google's export_hf files (tests/golden/google/, prefill 8 and 32, KV cache 64).
class GoogleExportHf : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto reader = LitertlmReader::Open(util::GoldenDir() + "/google/" + GetParam() + ".litertlm", Lenient());
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    reader_ = std::move(*reader);
    for (const SectionInfo& s : reader_->sections()) {
      if (s.type != static_cast<uint8_t>(SectionType::kTfliteModel)) continue;
      auto model = TfliteModel::Open(reader_->SectionBytes(s), reader_->origin());
      ASSERT_TRUE(model.ok()) << model.status().ToString();
      model_ = std::move(*model);
    }
    ASSERT_NE(model_, nullptr);
    ASSERT_NE(reader_->executor_metadata(), nullptr);
  }
  std::unique_ptr<LitertlmReader> reader_;
  std::unique_ptr<TfliteModel> model_;
};

TEST_P(GoogleExportHf, DerivedSectionIsByteIdenticalToGoogles) {
  EXPECT_EQ(reader_->major_version(), 1u);
  EXPECT_EQ(reader_->minor_version(), kGoogleToolsVersion.minor);
  auto derived = ExecutorMetadataForTfliteLlm(*model_);
  ASSERT_TRUE(derived.ok()) << derived.status().ToString();
  EXPECT_EQ(derived->SerializeAsString(), SectionString(*reader_, SectionType::kExecutorMetadataProto));
}

TEST_P(GoogleExportHf, GooglesSectionAgreesWithItsGraph) {
  Status s = CheckExecutorMetadata(*reader_->executor_metadata(), *model_);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_P(GoogleExportHf, ContradictionsAreNamed) {
  const pb::ExecutorMetadata& good = *reader_->executor_metadata();
  struct Case {
    const char* what;
    std::function<void(pb::LlmExecutorMetadata&)> edit;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"longer than the cache", [](pb::LlmExecutorMetadata& m) { m.mutable_state_buffers(0)->set_maximum_sequence_length(128); },
       "state buffer 0 (kv_cache_k_0): maximum_sequence_length 128 > 64, the size of axis 2 of signature prefill_8 "
       "input kv_cache_k_0"},
      {"window longer than the cache",
       [](pb::LlmExecutorMetadata& m) { m.mutable_state_buffers(1)->set_minimum_sequence_length(65); },
       "state buffer 1 (kv_cache_v_0): minimum_sequence_length 65 > 64"},
      {"axis past the rank", [](pb::LlmExecutorMetadata& m) { m.mutable_state_buffers(1)->set_sequence_axis(4); },
       "state buffer 1 (kv_cache_v_0): sequence_axis 4 is outside signature prefill_8 input kv_cache_v_0 (rank 4)"},
      {"unknown tensor", [](pb::LlmExecutorMetadata& m) { m.mutable_state_buffers(2)->set_decode_output_name("kv_k_1"); },
       "state buffer 2 (kv_cache_k_1): decode_output_name 'kv_k_1' is not an output of signature decode"},
      {"history past the caches", [](pb::LlmExecutorMetadata& m) { m.set_max_history_size(65); },
       "max_history_size 65 > 64, the longest maximum_sequence_length"},
      {"negative history", [](pb::LlmExecutorMetadata& m) { m.set_max_history_size(-2); },
       "max_history_size -2 is negative"},
  };
  for (const Case& c : cases) {
    pb::ExecutorMetadata bad = good;
    c.edit(*bad.mutable_llm_executor_metadata());
    Status s = CheckExecutorMetadata(bad, *model_);
    ASSERT_FALSE(s.ok()) << c.what;
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << c.what;
    EXPECT_THAT(s.message(), HasSubstr(c.message)) << c.what;
    EXPECT_THAT(s.message(), HasSubstr(GetParam())) << c.what;
  }
  // Not contradictions: a shorter limit than the cache holds, a client-chosen history, no section
  // body at all.
  pb::ExecutorMetadata shorter = good;
  shorter.mutable_llm_executor_metadata()->mutable_state_buffers(0)->set_maximum_sequence_length(32);
  shorter.mutable_llm_executor_metadata()->set_max_history_size(-1);
  EXPECT_TRUE(CheckExecutorMetadata(shorter, *model_).ok());
  EXPECT_TRUE(CheckExecutorMetadata(pb::ExecutorMetadata(), *model_).ok());
}

TEST_P(GoogleExportHf, SummaryLine) {
  const int layers = reader_->executor_metadata()->llm_executor_metadata().state_buffers_size() / 2;
  EXPECT_EQ(ExecutorMetadataSummary(*reader_->executor_metadata()),
            std::to_string(2 * layers) + " state buffers: " + std::to_string(layers) +
                " TYPE_GLOBAL_KEY_CACHE (axis 2, length <= 64), " + std::to_string(layers) +
                " TYPE_GLOBAL_VALUE_CACHE (axis 3, length <= 64); max history 64");
}

INSTANTIATE_TEST_SUITE_P(Files, GoogleExportHf,
                         ::testing::Values("qwen3_gqa_export_hf_int8", "qwen3_gqa_export_hf_fp32",
                                           "gemma3_sliding_export_hf_int8", "gemma3_sliding_export_hf_fp32",
                                           "qwen3_wide_export_hf_int4c", "gemma3_wide_export_hf_int4b32"));

TEST(ExecutorMetadataGraph, OtherCacheLayoutIsRefusedWithTheTensorNamed) {
  // The classic converter's caches are K and V [1,L,KV,D] (not export_hf's layout): no section
  // can be derived for them, and the error names the tensors that disagree.
  auto reader = LitertlmReader::Open(util::GoldenDir() + "/google/qwen3_gqa_classic_fp32.litertlm", Lenient());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->executor_metadata(), nullptr);  // classic files carry none
  int models = 0;
  for (const SectionInfo& s : (*reader)->sections()) {
    if (s.type != static_cast<uint8_t>(SectionType::kTfliteModel)) continue;
    ++models;
    auto model = TfliteModel::Open((*reader)->SectionBytes(s), "classic");
    ASSERT_TRUE(model.ok());
    auto derived = ExecutorMetadataForTfliteLlm(**model);
    ASSERT_FALSE(derived.ok());
    EXPECT_EQ(derived.status().message(),
              "classic: signature prefill_8 input kv_cache_v_0 has size 32 on axis 3 but signature prefill_8 input "
              "kv_cache_k_0 has 2 (not the export_hf cache layout K [1,KV,L,D], V [1,KV,D,L])");
  }
  EXPECT_EQ(models, 1);
}

}  // namespace
}  // namespace litertlm::format
