// Reads and validates a .litertlm file (LITERTLM_FORMAT.md). Open() memory-maps the file and
// checks everything before returning: magic, major version, header bounds, FlatBuffer
// verification of the header, section bounds/overlaps, duplicate or missing sections, the
// LlmMetadata and ExecutorMetadata protobufs, and the weights tensor table (weights_index.h). Every error is a Status
// whose message starts with the file path and says what is wrong; nothing is trusted blindly.
//
// Accessors return views into the mapping: they stay valid for the life of the reader.
// Immutable after Open(); const methods are thread-safe.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<LitertlmReader> file, LitertlmReader::Open(path));
//   const litert::lm::proto::LlmMetadata& meta = *file->metadata();
//   std::optional<std::string_view> config = file->hf_config_json();
#ifndef LITERTLM_FORMAT_LITERTLM_READER_H_
#define LITERTLM_FORMAT_LITERTLM_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/litertlm_format.h"
#include "format/weights_index.h"
#include "litertlm/status.h"
#include "util/mapped_file.h"

namespace litert::lm::proto {
class ExecutorMetadata;
class LlmMetadata;
}  // namespace litert::lm::proto

namespace litertlm::format {

enum class TokenizerKind { kNone, kSentencePiece, kHfTokenizerJson };

struct ReaderOptions {
  // Require what the liblitertlm runtime needs: one LlmMetadataProto, one tokenizer section,
  // one config.json section and one weights section. Off for `inspect`, which must also show
  // upstream LiteRT-LM files (TFLite models, no liblitertlm weights).
  bool require_model_sections = true;
};

class LitertlmReader {
 public:
  static StatusOr<std::unique_ptr<LitertlmReader>> Open(const std::string& path,
                                                        const ReaderOptions& options = {});
  // Same checks over bytes the caller keeps alive for the reader's lifetime (tests, fuzzing).
  // `origin` names the bytes in messages.
  static StatusOr<std::unique_ptr<LitertlmReader>> OpenBuffer(std::span<const uint8_t> bytes,
                                                              std::string origin,
                                                              const ReaderOptions& options = {});
  ~LitertlmReader();
  LitertlmReader(const LitertlmReader&) = delete;
  LitertlmReader& operator=(const LitertlmReader&) = delete;

  const std::string& origin() const { return origin_; }
  uint32_t major_version() const { return major_; }
  uint32_t minor_version() const { return minor_; }
  uint32_t patch_version() const { return patch_; }
  uint64_t file_size() const { return bytes_.size(); }
  // The whole file (mapped).
  std::span<const uint8_t> bytes() const { return bytes_; }
  uint64_t header_end() const { return header_end_; }

  const std::vector<KeyValue>& system_metadata() const { return system_metadata_; }
  // In header order.
  const std::vector<SectionInfo>& sections() const { return sections_; }
  std::span<const uint8_t> SectionBytes(const SectionInfo& section) const;

  // The LlmMetadataProto section, parsed; nullptr when the file has none.
  const litert::lm::proto::LlmMetadata* metadata() const { return metadata_.get(); }
  // The ExecutorMetadataProto section, parsed (executor_metadata.h); nullptr when the file has none.
  const litert::lm::proto::ExecutorMetadata* executor_metadata() const { return executor_metadata_.get(); }
  // The Hugging Face config.json bytes, verbatim; nullopt when absent.
  std::optional<std::string_view> hf_config_json() const;

  TokenizerKind tokenizer_kind() const;
  // kSentencePiece: the serialized ModelProto; kHfTokenizerJson: the inflated tokenizer.json.
  // NOT_FOUND without a tokenizer section; DATA_LOSS when the zlib stream is corrupt or its
  // length disagrees with the stored size.
  StatusOr<std::string> TokenizerBytes() const;

  // The weights section's tensors; nullptr when the file has no weights section.
  const WeightsIndex* weights() const { return weights_ ? &*weights_ : nullptr; }
  // Maps every page of the weights now (MappedFile::Prefault), split over `threads` threads;
  // no-op for OpenBuffer.
  void PrefaultWeights(int threads) const;
  // Locks the weights' pages in memory (MappedFile::Lock over the weights section); they stay
  // locked while the reader lives. No-op for OpenBuffer.
  Status LockWeights() const;
  // Drops the resident pages wholly inside `range` (a sub-span of the file; MappedFile::DropPages).
  // No-op for OpenBuffer.
  void DropPages(std::span<const uint8_t> range) const;

 private:
  LitertlmReader() = default;
  Status Parse(const ReaderOptions& options);
  Status ParsePreamble();
  Status ParseHeader();
  Status CheckSectionBounds() const;
  Status ClassifySections();
  Status ParseSectionPayloads();
  Status CheckRequired() const;

  std::string origin_;
  MappedFile file_;  // empty for OpenBuffer
  std::span<const uint8_t> bytes_;
  uint32_t major_ = 0, minor_ = 0, patch_ = 0;
  uint64_t header_end_ = 0;
  std::vector<KeyValue> system_metadata_;
  std::vector<SectionInfo> sections_;
  const SectionInfo* metadata_section_ = nullptr;
  const SectionInfo* executor_metadata_section_ = nullptr;
  const SectionInfo* tokenizer_section_ = nullptr;
  const SectionInfo* config_section_ = nullptr;
  const SectionInfo* weights_section_ = nullptr;
  std::unique_ptr<litert::lm::proto::LlmMetadata> metadata_;
  std::unique_ptr<litert::lm::proto::ExecutorMetadata> executor_metadata_;
  std::optional<WeightsIndex> weights_;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_LITERTLM_READER_H_
