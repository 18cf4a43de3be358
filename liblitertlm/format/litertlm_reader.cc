#include "format/litertlm_reader.h"

#include <google/protobuf/stubs/logging.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "format/executor_metadata.pb.h"
#include "format/header_decoder.h"
#include "format/llm_metadata.pb.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace {

inline constexpr uint64_t kMaxZlibExpansion = 1032;

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t LoadU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string Describe(const std::vector<SectionInfo>& sections, size_t i) {
  const SectionInfo& s = sections[i];
  std::string out = "section " + std::to_string(i) + " (" + SectionTypeName(s.type);
  if (!s.content.empty()) out += " content=" + s.content;
  return out + ", [" + std::to_string(s.begin) + ", " + std::to_string(s.end) + "))";
}

}  // namespace

LitertlmReader::~LitertlmReader() = default;

StatusOr<std::unique_ptr<LitertlmReader>> LitertlmReader::Open(const std::string& path,
                                                               const ReaderOptions& options) {
  std::unique_ptr<LitertlmReader> reader(new LitertlmReader());
  ASSIGN_OR_RETURN(reader->file_, MappedFile::Open(path));
  reader->origin_ = path;
  reader->bytes_ = reader->file_.bytes();
  RETURN_IF_ERROR(reader->Parse(options));
  return reader;
}

StatusOr<std::unique_ptr<LitertlmReader>> LitertlmReader::OpenBuffer(
    std::span<const uint8_t> bytes, std::string origin, const ReaderOptions& options) {
  std::unique_ptr<LitertlmReader> reader(new LitertlmReader());
  reader->origin_ = std::move(origin);
  reader->bytes_ = bytes;
  RETURN_IF_ERROR(reader->Parse(options));
  return reader;
}

Status LitertlmReader::Parse(const ReaderOptions& options) {
  RETURN_IF_ERROR(ParsePreamble());
  RETURN_IF_ERROR(ParseHeader());
  RETURN_IF_ERROR(CheckSectionBounds());
  RETURN_IF_ERROR(ClassifySections());
  RETURN_IF_ERROR(ParseSectionPayloads());
  if (options.require_model_sections) RETURN_IF_ERROR(CheckRequired());
  return Status::Ok();
}

Status LitertlmReader::ParsePreamble() {
  if (bytes_.size() < kPreambleSize) {
    return DataLossError(origin_ + ": file is " + std::to_string(bytes_.size()) +
                         " bytes, too short for the 32-byte .litertlm preamble");
  }
  if (std::memcmp(bytes_.data(), kLitertlmMagic.data(), kLitertlmMagic.size()) != 0) {
    return InvalidArgumentError(origin_ + ": not a .litertlm file (bad magic; expected 'LITERTLM')");
  }
  major_ = LoadU32(bytes_.data() + 8);
  minor_ = LoadU32(bytes_.data() + 12);
  patch_ = LoadU32(bytes_.data() + 16);
  if (major_ != kLitertlmMajorVersion) {
    return UnimplementedError(origin_ + ": unsupported .litertlm version " + std::to_string(major_) +
                              "." + std::to_string(minor_) + "." + std::to_string(patch_) +
                              " (this reader supports major version " +
                              std::to_string(kLitertlmMajorVersion) + ")");
  }
  header_end_ = LoadU64(bytes_.data() + kHeaderEndFieldOffset);
  if (header_end_ <= kPreambleSize + 4 || header_end_ > bytes_.size()) {
    return DataLossError(origin_ + ": header end offset " + std::to_string(header_end_) +
                         " is outside (36, file size " + std::to_string(bytes_.size()) + "]");
  }
  return Status::Ok();
}

Status LitertlmReader::ParseHeader() {
  const bool struct_values = minor_ < 2;  // v1.0/1.1 stored primitive values as structs
  ASSIGN_OR_RETURN(DecodedHeader header,
                   DecodeHeader(bytes_.subspan(kPreambleSize, header_end_ - kPreambleSize),
                                struct_values, origin_));
  system_metadata_ = std::move(header.system_metadata);
  sections_ = std::move(header.sections);
  return Status::Ok();
}

Status LitertlmReader::CheckSectionBounds() const {
  for (size_t i = 0; i < sections_.size(); ++i) {
    const SectionInfo& s = sections_[i];
    if (s.begin > s.end || s.end > bytes_.size()) {
      return DataLossError(origin_ + ": " + Describe(sections_, i) + " lies outside the " +
                           std::to_string(bytes_.size()) + "-byte file");
    }
    if (s.begin < header_end_) {
      return DataLossError(origin_ + ": " + Describe(sections_, i) +
                           " overlaps the header, which ends at " + std::to_string(header_end_));
    }
  }
  std::vector<size_t> order(sections_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [this](size_t a, size_t b) { return sections_[a].begin < sections_[b].begin; });
  std::optional<size_t> furthest;  // non-empty section reaching furthest so far
  for (size_t i : order) {
    const SectionInfo& s = sections_[i];
    if (s.begin == s.end) continue;
    if (furthest && s.begin < sections_[*furthest].end) {
      return DataLossError(origin_ + ": " + Describe(sections_, i) + " overlaps " +
                           Describe(sections_, *furthest));
    }
    if (!furthest || s.end > sections_[*furthest].end) furthest = i;
  }
  return Status::Ok();
}

Status LitertlmReader::ClassifySections() {
  auto claim = [this](const SectionInfo*& slot, size_t i, const char* what) -> Status {
    if (slot != nullptr) {
      return DataLossError(origin_ + ": more than one " + what + " section (" +
                           Describe(sections_, static_cast<size_t>(slot - sections_.data())) +
                           " and " + Describe(sections_, i) + ")");
    }
    slot = &sections_[i];
    return Status::Ok();
  };
  for (size_t i = 0; i < sections_.size(); ++i) {
    const SectionInfo& s = sections_[i];
    switch (static_cast<SectionType>(s.type)) {
      case SectionType::kLlmMetadataProto:
        RETURN_IF_ERROR(claim(metadata_section_, i, "LlmMetadataProto"));
        break;
      case SectionType::kExecutorMetadataProto:
        RETURN_IF_ERROR(claim(executor_metadata_section_, i, "ExecutorMetadataProto"));
        break;
      case SectionType::kSpTokenizer:
      case SectionType::kHfTokenizerZlib:
        RETURN_IF_ERROR(claim(tokenizer_section_, i, "tokenizer"));
        break;
      case SectionType::kGenericBinaryData:
        if (s.content == kContentWeights) RETURN_IF_ERROR(claim(weights_section_, i, "weights"));
        if (s.content == kContentHfConfigJson) {
          RETURN_IF_ERROR(claim(config_section_, i, "config.json"));
        }
        break;
      default:
        break;  // other sections are carried but not interpreted
    }
  }
  return Status::Ok();
}

Status LitertlmReader::ParseSectionPayloads() {
  if (metadata_section_ != nullptr) {
    std::span<const uint8_t> bytes = SectionBytes(*metadata_section_);
    metadata_ = std::make_unique<litert::lm::proto::LlmMetadata>();
    // A malformed file is reported through the Status; keep protobuf from also logging
    // (e.g. invalid UTF-8 in a string field) to the host's stderr.
    google::protobuf::LogSilencer silence_protobuf_log;
    if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
        !metadata_->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return DataLossError(origin_ + ": LlmMetadataProto section is not a valid " +
                           "litert.lm.proto.LlmMetadata protobuf");
    }
  }
  if (executor_metadata_section_ != nullptr) {
    std::span<const uint8_t> bytes = SectionBytes(*executor_metadata_section_);
    executor_metadata_ = std::make_unique<litert::lm::proto::ExecutorMetadata>();
    google::protobuf::LogSilencer silence_protobuf_log;
    if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
        !executor_metadata_->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return DataLossError(origin_ + ": ExecutorMetadataProto section is not a valid " +
                           "litert.lm.proto.ExecutorMetadata protobuf");
    }
  }
  if (tokenizer_section_ != nullptr &&
      tokenizer_section_->type == static_cast<uint8_t>(SectionType::kHfTokenizerZlib)) {
    std::span<const uint8_t> bytes = SectionBytes(*tokenizer_section_);
    if (bytes.size() < 8 + 2) {
      return DataLossError(origin_ + ": HF_Tokenizer_Zlib section is " +
                           std::to_string(bytes.size()) +
                           " bytes, too short for the size prefix and a zlib stream");
    }
    const uint64_t raw_size = LoadU64(bytes.data());
    if (raw_size > kMaxHfTokenizerJsonSize) {
      return DataLossError(origin_ + ": HF_Tokenizer_Zlib section claims " +
                           std::to_string(raw_size) + " uncompressed bytes (limit 1 GiB)");
    }
    // Deflate expands at most ~1032:1, so a larger claim is corrupt (and would make
    // TokenizerBytes() allocate for nothing).
    const uint64_t stream_size = bytes.size() - 8;
    if (raw_size > stream_size * kMaxZlibExpansion + 64) {
      return DataLossError(origin_ + ": HF_Tokenizer_Zlib section claims " +
                           std::to_string(raw_size) + " uncompressed bytes, more than a " +
                           std::to_string(stream_size) + "-byte zlib stream can hold");
    }
  }
  if (weights_section_ != nullptr) {
    const KeyValue* version = FindKey(weights_section_->items, kWeightsFormatVersionKey);
    const uint32_t* number = version ? std::get_if<uint32_t>(&version->value) : nullptr;
    if (number == nullptr) {
      return DataLossError(origin_ + ": weights section has no uint32 '" +
                           std::string(kWeightsFormatVersionKey) + "' item");
    }
    ASSIGN_OR_RETURN(weights_, WeightsIndex::Parse(SectionBytes(*weights_section_),
                                                   weights_section_->begin, origin_));
  }
  return Status::Ok();
}

Status LitertlmReader::CheckRequired() const {
  std::vector<std::string> missing;
  if (metadata_section_ == nullptr) missing.push_back("LlmMetadataProto");
  if (tokenizer_section_ == nullptr) missing.push_back("tokenizer (SP_Tokenizer or HF_Tokenizer_Zlib)");
  if (config_section_ == nullptr) missing.push_back("config.json (GenericBinaryData content=hf_config_json)");
  if (weights_section_ == nullptr) missing.push_back("weights (GenericBinaryData content=liblitertlm_weights)");
  if (missing.empty()) return Status::Ok();
  std::string list;
  for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
  return DataLossError(origin_ + ": missing required section(s): " + list);
}

std::span<const uint8_t> LitertlmReader::SectionBytes(const SectionInfo& section) const {
  return bytes_.subspan(section.begin, section.end - section.begin);
}

std::optional<std::string_view> LitertlmReader::hf_config_json() const {
  if (config_section_ == nullptr) return std::nullopt;
  std::span<const uint8_t> b = SectionBytes(*config_section_);
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

TokenizerKind LitertlmReader::tokenizer_kind() const {
  if (tokenizer_section_ == nullptr) return TokenizerKind::kNone;
  return tokenizer_section_->type == static_cast<uint8_t>(SectionType::kSpTokenizer)
             ? TokenizerKind::kSentencePiece
             : TokenizerKind::kHfTokenizerJson;
}

StatusOr<std::string> LitertlmReader::TokenizerBytes() const {
  if (tokenizer_section_ == nullptr) return NotFoundError(origin_ + ": no tokenizer section");
  std::span<const uint8_t> bytes = SectionBytes(*tokenizer_section_);
  if (tokenizer_kind() == TokenizerKind::kSentencePiece) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  const uint64_t raw_size = LoadU64(bytes.data());  // bounds checked at Open
  std::string out(raw_size, '\0');
  uLongf out_size = static_cast<uLongf>(raw_size);
  int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &out_size, bytes.data() + 8,
                      static_cast<uLong>(bytes.size() - 8));
  if (rc != Z_OK || out_size != raw_size) {
    return DataLossError(origin_ + ": HF_Tokenizer_Zlib section does not inflate to its stated " +
                         std::to_string(raw_size) + " bytes (zlib code " + std::to_string(rc) + ")");
  }
  return out;
}

namespace {
template <typename T>
std::span<const uint8_t> AsBytes(std::span<const T> s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size_bytes()};
}
}  // namespace

Status LitertlmReader::LockWeights() const {
  if (!weights_ || file_.data() == nullptr) return Status::Ok();
  const uint8_t* lo = nullptr;
  const uint8_t* hi = nullptr;
  for (const std::string& name : weights_->names()) {
    const TensorView* t = weights_->Find(name);
    for (std::span<const uint8_t> r : {t->data, AsBytes(t->scales), AsBytes(t->row_sums)}) {
      if (r.empty()) continue;
      lo = lo == nullptr ? r.data() : std::min(lo, r.data());
      hi = std::max(hi, r.data() + r.size());
    }
  }
  if (lo == nullptr) return Status::Ok();
  return file_.Lock({lo, static_cast<size_t>(hi - lo)});
}

void LitertlmReader::DropPages(std::span<const uint8_t> range) const {
  if (file_.data() != nullptr && !range.empty()) file_.DropPages(range);
}

void LitertlmReader::PrefaultWeights(int threads) const {
  if (!weights_) return;
  std::vector<std::span<const uint8_t>> ranges;
  size_t total = 0;
  for (const std::string& name : weights_->names()) {
    const TensorView* t = weights_->Find(name);
    for (std::span<const uint8_t> r : {t->data, AsBytes(t->scales), AsBytes(t->row_sums)}) {
      if (r.empty()) continue;
      ranges.push_back(r);
      total += r.size();
    }
  }
  // Contiguous shares of about total / threads bytes; the calling thread takes the first.
  const size_t parts = static_cast<size_t>(std::max(1, threads));
  std::vector<size_t> bounds = {0};
  size_t acc = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    acc += ranges[i].size();
    if (acc * parts >= total * bounds.size() && bounds.size() < parts) bounds.push_back(i + 1);
  }
  bounds.push_back(ranges.size());
  auto run = [&](size_t part) {
    for (size_t i = bounds[part]; i < bounds[part + 1]; ++i) file_.Prefault(ranges[i]);
  };
  std::vector<std::thread> helpers;
  for (size_t part = 1; part + 1 < bounds.size(); ++part) helpers.emplace_back(run, part);
  run(0);
  for (std::thread& t : helpers) t.join();
}

}  // namespace litertlm::format
