// Helpers shared by the .litertlm tests: temp paths, whole-file read/write, and a canonical
// small valid model file.
#ifndef LITERTLM_TESTS_UNIT_FORMAT_LITERTLM_TEST_UTIL_H_
#define LITERTLM_TESTS_UNIT_FORMAT_LITERTLM_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "format/litertlm_writer.h"
#include "format/llm_metadata.pb.h"

namespace litertlm::format::testing {

inline std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("LITERTLM_TEST_TMPDIR");
  std::string base = dir ? dir : ::testing::TempDir();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return base + "/" + info->test_suite_name() + "_" + info->name() + "_" + name;
}

// <source>/tests, from LITERTLM_SOURCE_DIR or else this header's own location (ctest may not pass
// the environment).
inline std::string TestsDir() {
  if (const char* src = std::getenv("LITERTLM_SOURCE_DIR")) return std::string(src) + "/tests";
  // <source>/tests/unit/format/litertlm_test_util.h (possibly spelled with "..").
  std::filesystem::path here = std::filesystem::path(__FILE__).lexically_normal();
  return here.parent_path().parent_path().parent_path().string();
}

inline std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void WriteAll(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline litert::lm::proto::LlmMetadata SampleMetadata() {
  litert::lm::proto::LlmMetadata m;
  m.mutable_start_token()->mutable_token_ids()->add_ids(2);
  m.add_stop_tokens()->mutable_token_ids()->add_ids(1);
  m.add_stop_tokens()->set_token_str("<end_of_turn>");
  auto* sampler = m.mutable_sampler_params();
  sampler->set_type(litert::lm::proto::SamplerParameters::TOP_P);
  sampler->set_k(20);
  sampler->set_p(0.95f);
  sampler->set_temperature(0.6f);
  m.set_max_num_tokens(1280);
  m.mutable_llm_model_type()->mutable_qwen3();
  m.set_jinja_prompt_template("{% for m in messages %}{{ m.content }}{% endfor %}");
  auto* user = m.mutable_prompt_templates()->mutable_user();
  user->set_prefix("<|im_start|>user\n");
  user->set_suffix("<|im_end|>\n");
  auto* info = m.mutable_conversion_info();
  info->set_quantization("dynamic_int8");
  info->add_prefill_seq_lens(8);
  info->mutable_validation()->set_top1_agreement(0.99);
  return m;
}

inline const char kConfigJson[] = R"({"model_type": "qwen3", "hidden_size": 8})";
inline const char kTokenizerJson[] = R"({"version": "1.0", "model": {"type": "BPE"}})";

// Writes a complete valid file with one f32 tensor "w" of shape [2, 3] (values 0..5).
inline Status WriteSampleFile(const std::string& path) {
  auto writer = LitertlmWriter::Create(path);
  if (!writer.ok()) return writer.status();
  LitertlmWriter& w = **writer;
  w.AddSystemMetadata("creator", std::string("test"));
  Status s = w.AddLlmMetadata(SampleMetadata());
  if (s.ok()) s = w.AddHfTokenizerJson(kTokenizerJson);
  if (s.ok()) s = w.AddHfConfigJson(kConfigJson);
  if (s.ok()) s = w.BeginWeights();
  std::vector<float> values = {0, 1, 2, 3, 4, 5};
  TensorView view;
  view.dtype = DType::kF32;
  view.shape = {2, 3};
  view.data = {reinterpret_cast<const uint8_t*>(values.data()), values.size() * 4};
  if (s.ok()) s = w.AddTensor("w", view);
  if (s.ok()) s = w.EndWeights();
  if (s.ok()) s = w.Finish();
  return s;
}

}  // namespace litertlm::format::testing

#endif  // LITERTLM_TESTS_UNIT_FORMAT_LITERTLM_TEST_UTIL_H_
