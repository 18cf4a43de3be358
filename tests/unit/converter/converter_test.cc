// Converter behaviour apart from quality: names, dtype rules, errors, cancellation, validation
// failure (no file installed) and GGUF tokenizer rebuilding.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include "converter/gguf_tokenizer.h"
#include "converter/tensor_converter.h"
#include "format/gguf_reader.h"
#include "format/gguf_vocab.h"
#include "format/litertlm_reader.h"
#include "litertlm/converter.h"
#include "litertlm/tokenizer.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;
using testing::GoldenDir;
using testing::ScratchDir;

std::string Fixture(const std::string& name) { return GoldenDir() + "/models/" + name; }

// Regular files in `dir` (temporary files included).
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

TEST(QuantizationNames, RoundTripAndErrors) {
  for (const char* name : {"dynamic_int8", "int8", "dynamic_int4_block32",
                           "dynamic_int4_block128", "fp16", "fp32"}) {
    auto q = ParseQuantization(name);
    ASSERT_TRUE(q.ok()) << name;
    EXPECT_EQ(QuantizationName(*q), name);
  }
  auto bad = ParseQuantization("int3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'int3'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("dynamic_int8 (default), int8, dynamic_int4_block32, "
                                        "dynamic_int4_block128, fp16, fp32"),
            std::string::npos);
  EXPECT_EQ(ConvertOptions{}.quantization, Quantization::kDynamicInt8);
}

TEST(StoredDType, RulesPerRole) {
  using converter::StoredDType;
  bool fb = false;
  const auto b32 = Quantization::kDynamicInt4Block32;
  EXPECT_EQ(StoredDType(b32, TensorRole::kNorm, {64}, &fb), DType::kF32);
  EXPECT_EQ(StoredDType(b32, TensorRole::kBias, {64}, &fb), DType::kF32);
  // The embedding / output projection never go below int8.
  EXPECT_EQ(StoredDType(b32, TensorRole::kEmbedding, {512, 256}, &fb), DType::kI8);
  EXPECT_FALSE(fb);
  EXPECT_EQ(StoredDType(b32, TensorRole::kOutput, {512, 256}, &fb), DType::kI8);
  EXPECT_EQ(StoredDType(Quantization::kFp16, TensorRole::kEmbedding, {512, 256}, &fb),
            DType::kF16);
  EXPECT_EQ(StoredDType(b32, TensorRole::kLinear, {64, 256}, &fb), DType::kI4Block32);
  EXPECT_FALSE(fb);
  EXPECT_EQ(StoredDType(Quantization::kDynamicInt4Block128, TensorRole::kLinear, {64, 256}, &fb),
            DType::kI4Block128);
  // K not a multiple of the int4 group: int8, and the caller is told.
  EXPECT_EQ(StoredDType(b32, TensorRole::kLinear, {64, 160}, &fb), DType::kI8);
  EXPECT_TRUE(fb);
  EXPECT_EQ(StoredDType(Quantization::kInt8, TensorRole::kLinear, {64, 160}, &fb), DType::kI8);
  EXPECT_EQ(StoredDType(Quantization::kDynamicInt8, TensorRole::kLinear, {64, 160}, &fb),
            DType::kI8);
  EXPECT_EQ(StoredDType(Quantization::kFp32, TensorRole::kLinear, {64, 160}, &fb), DType::kF32);
}

TEST(Convert, MissingSourceIsNotFound) {
  const std::string dir = ScratchDir();
  auto r = Convert(dir + "/no-such-model", dir + "/out.litertlm");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("no-such-model"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/out.litertlm"));
}

TEST(Convert, UnsupportedArchitectureIsOneClearError) {
  const std::string dir = ScratchDir();
  fs::create_directories(dir + "/mistral");
  testing::WriteFile(dir + "/mistral/config.json",
                     R"({"architectures": ["MistralForCausalLM"], "model_type": "mistral"})");
  auto r = Convert(dir + "/mistral", dir + "/out.litertlm");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("MistralForCausalLM"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/out.litertlm"));
}

TEST(FileFormatNames, RoundTripAndErrors) {
  for (const char* name : {"auto", "tflite", "liblitertlm"}) {
    auto f = ParseFileFormat(name);
    ASSERT_TRUE(f.ok()) << name;
    EXPECT_EQ(FileFormatName(*f), name);
  }
  auto bad = ParseFileFormat("gguf");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'gguf'"), std::string::npos);
  EXPECT_EQ(ConvertOptions{}.format, FileFormat::kAuto);
}

// The sections of a converted file, by type.
bool HasSection(const std::string& path, format::SectionType type) {
  format::ReaderOptions options;
  options.require_model_sections = false;
  auto reader = format::LitertlmReader::Open(path, options);
  if (!reader.ok()) return false;
  const auto& sections = (*reader)->sections();
  return std::any_of(sections.begin(), sections.end(),
                     [type](const format::SectionInfo& s) { return s.type == static_cast<uint8_t>(type); });
}

// The default (kAuto) writes the file Google's runtime runs wherever the TFLite writer writes the
// model in that quantization, and liblitertlm's own format otherwise, saying why.
TEST(Convert, AutoFormatIsGoogleCompatibleWhereItCanBe) {
  const std::string dir = ScratchDir();
  ConvertOptions o;
  o.prefill_seq_lens = {8};
  o.kv_cache_max_len = 64;
  auto tflite = Convert(Fixture("qwen3_gqa"), dir + "/int8.litertlm", o);
  ASSERT_TRUE(tflite.ok()) << tflite.status().ToString();
  EXPECT_EQ(tflite->format, FileFormat::kTflite);
  EXPECT_TRUE(tflite->format_reason.empty());
  EXPECT_TRUE(HasSection(dir + "/int8.litertlm", format::SectionType::kTfliteModel));
  ASSERT_TRUE(tflite->validation.has_value());
  EXPECT_DOUBLE_EQ(tflite->validation->threshold, DefaultMinAgreement(o.quantization));

  // int4 block-wise: Google's runtime runs it (tflite_format_test.cc, google_runtime_test.py).
  o.quantization = Quantization::kDynamicInt4Block32;
  auto int4 = Convert(Fixture("qwen3_gqa"), dir + "/int4.litertlm", o);
  ASSERT_TRUE(int4.ok()) << int4.status().ToString();
  EXPECT_EQ(int4->format, FileFormat::kTflite);
  EXPECT_TRUE(int4->format_reason.empty());
  EXPECT_TRUE(HasSection(dir + "/int4.litertlm", format::SectionType::kTfliteModel));
  EXPECT_GT(int4->int4_fallback_tensors, 0);  // rows of 64: int8 per channel

  // fp16 weights: FLOAT16 constants + DEQUANTIZE, as ai_edge_quantizer's float_casting.
  o.quantization = Quantization::kFp16;
  auto fp16 = Convert(Fixture("qwen3_gqa"), dir + "/fp16.litertlm", o);
  ASSERT_TRUE(fp16.ok()) << fp16.status().ToString();
  EXPECT_EQ(fp16->format, FileFormat::kTflite);
  EXPECT_TRUE(HasSection(dir + "/fp16.litertlm", format::SectionType::kTfliteModel));

  o.quantization = Quantization::kDynamicInt8;
  auto llama = Convert(Fixture("llama3_gqa"), dir + "/llama.litertlm", o);
  ASSERT_TRUE(llama.ok()) << llama.status().ToString();
  EXPECT_EQ(llama->format, FileFormat::kLiblitertlm);
  EXPECT_NE(llama->format_reason.find("llama"), std::string::npos) << llama->format_reason;

  // Asked for by name, the TFLite format refuses what it cannot write, and writes nothing.
  o.format = FileFormat::kTflite;
  auto refused = Convert(Fixture("llama3_gqa"), dir + "/refused.litertlm", o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(refused.status().message().find("--format liblitertlm"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/refused.litertlm"));
}

TEST(Convert, BadOptionsAreRejected) {
  const std::string dir = ScratchDir();
  ConvertOptions o;
  o.kv_cache_max_len = 0;
  EXPECT_EQ(Convert(Fixture("qwen3_gqa"), dir + "/a.litertlm", o).status().code(),
            StatusCode::kInvalidArgument);
  o = {};
  o.prefill_seq_lens = {4096};  // > kv_cache_max_len
  auto r = Convert(Fixture("qwen3_gqa"), dir + "/a.litertlm", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--prefill-seq-len"), std::string::npos);
  EXPECT_TRUE(FilesIn(dir).empty());
}

TEST(Convert, CancelLeavesNoFile) {
  const std::string dir = ScratchDir();
  ConvertOptions o;
  int calls = 0;
  o.on_progress = [&](const ConvertProgress& p) {
    ++calls;
    EXPECT_EQ(p.stage, ConvertProgress::Stage::kWriting);
    EXPECT_GT(p.bytes_written, 0u);
    return p.tensor_index < 3;
  };
  auto r = Convert(Fixture("gemma3_mqa"), dir + "/out.litertlm", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(calls, 3);
  EXPECT_TRUE(FilesIn(dir).empty()) << "leftover: " << FilesIn(dir)[0];
}

// A conversion that fails (here: cancelled) removes the directories it created for its output,
// so the models directory shows no empty model ("0 B (incomplete download)").
TEST(Convert, FailureRemovesTheDirectoriesItCreated) {
  const std::string dir = ScratchDir();
  fs::create_directories(dir + "/models/local");
  ConvertOptions o;
  o.on_progress = [](const ConvertProgress& p) { return p.tensor_index < 2; };
  auto r = Convert(Fixture("gemma3_mqa"), dir + "/models/local/m/sub/m.litertlm", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_FALSE(fs::exists(dir + "/models/local/m"));
  EXPECT_TRUE(fs::is_directory(dir + "/models/local"));  // existed before: kept
  // A directory that already existed stays, even when empty.
  fs::create_directories(dir + "/mine");
  r = Convert(Fixture("gemma3_mqa"), dir + "/mine/m.litertlm", o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(fs::is_directory(dir + "/mine"));
  // A successful conversion keeps them.
  o.on_progress = nullptr;
  o.validate = false;
  r = Convert(Fixture("gemma3_mqa"), dir + "/models/local/m/m.litertlm", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(fs::exists(dir + "/models/local/m/m.litertlm"));
}

// SourceFingerprint changes with the size, the date and the bytes at either end of the file.
TEST(SourceFingerprint, TellsChangedFilesApart) {
  const std::string dir = ScratchDir();
  const std::string path = dir + "/m.gguf";
  std::string bytes(3 << 20, 'a');
  testing::WriteFile(path, bytes);
  auto a = SourceFingerprint(path);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*SourceFingerprint(path), *a);
  const auto mtime = fs::last_write_time(path);
  auto rewrite = [&](const std::string& b) {
    testing::WriteFile(path, b);
    fs::last_write_time(path, mtime);  // same date: only size or content differ
  };
  std::string changed_end = bytes;
  changed_end.back() = 'b';
  rewrite(changed_end);
  EXPECT_NE(*SourceFingerprint(path), *a);
  std::string changed_head = bytes;
  changed_head[10] = 'b';
  rewrite(changed_head);
  EXPECT_NE(*SourceFingerprint(path), *a);
  rewrite(bytes.substr(0, bytes.size() - 1));  // truncated
  EXPECT_NE(*SourceFingerprint(path), *a);
  rewrite(bytes);
  EXPECT_EQ(*SourceFingerprint(path), *a);
  fs::last_write_time(path, mtime + std::chrono::seconds(5));
  EXPECT_NE(*SourceFingerprint(path), *a);
  EXPECT_EQ(SourceFingerprint(dir + "/missing.gguf").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SourceFingerprint(dir).status().code(), StatusCode::kInvalidArgument);
}

TEST(Convert, ProgressCountsEveryTensorThenValidation) {
  const std::string dir = ScratchDir();
  ConvertOptions o;
  o.quantization = Quantization::kFp32;
  int last = 0, count = 0;
  bool validating = false;
  o.on_progress = [&](const ConvertProgress& p) {
    if (p.stage == ConvertProgress::Stage::kValidating) {
      validating = true;
    } else {
      EXPECT_EQ(p.tensor_index, last + 1);
      last = p.tensor_index;
      count = p.tensor_count;
    }
    return true;
  };
  auto r = Convert(Fixture("qwen3_gqa"), dir + "/out.litertlm", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(last, count);
  EXPECT_EQ(r->tensor_count, count);
  EXPECT_TRUE(validating);
  EXPECT_EQ(FilesIn(dir), std::vector<std::string>{"out.litertlm"});
}

// A threshold just above the measured agreement must fail the conversion and install nothing.
TEST(Convert, FailedValidationInstallsNoFile) {
  const std::string dir = ScratchDir();
  ConvertOptions o;
  o.quantization = Quantization::kDynamicInt4Block32;
  o.min_agreement = 0.0;
  double agreement = 1.0;
  std::string fixture;
  for (const char* f : {"gemma3_sliding", "gemma3_mqa", "qwen3_gqa", "qwen3_tied"}) {
    auto r = Convert(Fixture(f), dir + "/probe.litertlm", o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    fs::remove(dir + "/probe.litertlm");
    if (r->validation->top1_agreement < 1.0) {
      agreement = r->validation->top1_agreement;
      fixture = f;
      break;
    }
  }
  ASSERT_LT(agreement, 1.0) << "no fixture loses any top-1 position at int4; cannot test";
  o.min_agreement = agreement + 1e-9;
  auto r = Convert(Fixture(fixture), dir + "/out.litertlm", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("validation failed"), std::string::npos);
  EXPECT_NE(r.status().message().find("--skip-validation"), std::string::npos);
  EXPECT_TRUE(FilesIn(dir).empty());
  // Opting out installs the file, without a report.
  o.validate = false;
  auto skipped = Convert(Fixture(fixture), dir + "/out.litertlm", o);
  ASSERT_TRUE(skipped.ok()) << skipped.status().ToString();
  EXPECT_FALSE(skipped->validation.has_value());
  EXPECT_TRUE(fs::exists(dir + "/out.litertlm"));
}

TEST(GgufTokenizer, RebuiltSentencePieceModelLoadsAndEncodes) {
  auto gguf = GgufFile::Open(GoldenDir() + "/gguf/tiny_gemma3.gguf");
  ASSERT_TRUE(gguf.ok()) << gguf.status().ToString();
  auto vocab = ReadGgufVocab(**gguf);
  ASSERT_TRUE(vocab.ok()) << vocab.status().ToString();
  auto bytes = converter::BuildSentencePieceModel(*vocab, "tiny_gemma3.gguf");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto tok = Tokenizer::FromBytes(TokenizerKind::kSentencePiece, *bytes, "rebuilt");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_EQ((*tok)->vocab_size(), 300);
  EXPECT_EQ((*tok)->bos_id(), 2);
  EXPECT_EQ((*tok)->eos_id(), 1);
  // Pieces keep their ids; "▁tok{i}" is id 260 + i.
  EXPECT_EQ((*tok)->IdToToken(265), "\xE2\x96\x81tok5");
  EXPECT_EQ((*tok)->TokenToId("<unk>"), 3);
  auto ids = (*tok)->Encode("tok5 tok7");
  ASSERT_TRUE(ids.ok());
  auto text = (*tok)->Decode(*ids);
  ASSERT_TRUE(text.ok());
  // Spaces may come back as U+2581 through byte fallback (the vocabulary has no "▁" piece).
  EXPECT_NE(text->find("tok5"), std::string::npos) << *text;
  EXPECT_NE(text->find("tok7"), std::string::npos) << *text;
  // Bytes outside the vocabulary fall back to <0xXX> pieces (ids 4 + byte).
  auto bytes_ids = (*tok)->Encode("tok5!");
  ASSERT_TRUE(bytes_ids.ok());
  EXPECT_EQ(bytes_ids->back(), 4 + '!');
}

TEST(GgufTokenizer, BpeVocabularyIsUnimplemented) {
  GgufVocab v;
  v.model = "gpt2";
  auto r = converter::BuildSentencePieceModel(v, "qwen.gguf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("gpt2"), std::string::npos);
}

// The tiny GGUF has no <end_of_turn>: converting it must say so, not write a chat model that
// never stops.
TEST(Convert, GgufWithoutChatTokensIsRefused) {
  const std::string dir = ScratchDir();
  auto r = Convert(GoldenDir() + "/gguf/tiny_gemma3.gguf", dir + "/out.litertlm");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("<end_of_turn>"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(FilesIn(dir).empty());
}

}  // namespace
}  // namespace litertlm
