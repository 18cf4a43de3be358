// Writes a .litertlm file (LITERTLM_FORMAT.md) section by section, streaming: no section has to
// be held in memory as a whole, so a multi-GB weights section costs only the tensor being added.
//
// Design: the first 16 KiB of the file are reserved for the preamble + header. Sections are
// streamed after it, each starting on a 16 KiB boundary; the weights section's own table is
// written after its tensors and its 64-byte header patched in place (WriteAt). Finish() builds
// the FlatBuffer header from the offsets recorded on the way, writes it into the reserved region
// (failing if it does not fit), fsyncs and renames the temporary file over the destination
// (util/atomic_file.h). Until Finish() succeeds the destination is untouched; a writer destroyed
// before that (error, crash of the caller's logic, early return) deletes its temporary file.
//
//   ASSIGN_OR_RETURN(auto writer, LitertlmWriter::Create(path));
//   RETURN_IF_ERROR(writer->AddLlmMetadata(metadata));
//   RETURN_IF_ERROR(writer->AddHfTokenizerJson(tokenizer_json));
//   RETURN_IF_ERROR(writer->AddHfConfigJson(config_json));
//   RETURN_IF_ERROR(writer->BeginWeights());
//   for (...) RETURN_IF_ERROR(writer->AddTensor(name, view));
//   RETURN_IF_ERROR(writer->EndWeights());
//   RETURN_IF_ERROR(writer->Finish());
//
// Errors are sticky: after a failed call every later call returns the same error. Not
// thread-safe; one thread drives a writer.
#ifndef LITERTLM_FORMAT_LITERTLM_WRITER_H_
#define LITERTLM_FORMAT_LITERTLM_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/litertlm_format.h"
#include "litertlm/status.h"
#include "tensor/tensor_view.h"
#include "util/atomic_file.h"

namespace litert::lm::proto {
class ExecutorMetadata;
class LlmMetadata;
}  // namespace litert::lm::proto

namespace litertlm::format {

class LitertlmWriter {
 public:
  // Opens "<path>.tmp.<pid>" for writing. Errors name the path.
  static StatusOr<std::unique_ptr<LitertlmWriter>> Create(const std::string& path);

  LitertlmWriter(const LitertlmWriter&) = delete;
  LitertlmWriter& operator=(const LitertlmWriter&) = delete;
  ~LitertlmWriter();

  // The version stamped in bytes 8..19 (default kOwnFormatVersion). Its major must be
  // kLitertlmMajorVersion and its minor at least 2 (the table-valued header this writer builds);
  // otherwise Finish fails.
  void SetVersion(LitertlmVersion version) { version_ = version; }

  // System metadata entries, stored in the order added (duplicate keys are an error at Finish).
  void AddSystemMetadata(std::string key, MetadataValue value);

  // A whole section at once.
  Status AddSection(SectionType type, std::vector<KeyValue> items, std::span<const uint8_t> data);
  // LlmMetadataProto (binary protobuf).
  Status AddLlmMetadata(const litert::lm::proto::LlmMetadata& metadata);
  // SP_Tokenizer: the tokenizer.model bytes verbatim.
  Status AddSentencePieceTokenizer(std::span<const uint8_t> model_proto);
  // ExecutorMetadataProto (binary protobuf, no items), as export_hf writes it.
  Status AddExecutorMetadata(const litert::lm::proto::ExecutorMetadata& metadata);
  // HF_Tokenizer_Zlib: u64 LE uncompressed size + zlib stream of `tokenizer_json`.
  Status AddHfTokenizerJson(std::string_view tokenizer_json);
  // GenericBinaryData, content=hf_config_json: the checkpoint's config.json bytes verbatim.
  Status AddHfConfigJson(std::string_view config_json);

  // A section streamed in pieces: BeginSection, any number of AppendSectionData, EndSection.
  Status BeginSection(SectionType type, std::vector<KeyValue> items);
  Status AppendSectionData(std::span<const uint8_t> data);
  Status EndSection();

  // The weights section (WEIGHTS_FORMAT.md), one tensor at a time. AddTensor copies the view's
  // bytes to the file and keeps only the table entry; names must be unique, data/scales/row_sums
  // sizes must match dtype × shape × layout (ComputeTensorByteSizes).
  Status BeginWeights();
  Status AddTensor(std::string_view name, const TensorView& tensor);
  Status EndWeights();

  // Writes the header, fsyncs and renames into place. The writer is closed afterwards.
  Status Finish();

  const std::string& path() const { return path_; }
  // The temporary file holding what was written so far (until Finish renames it to path()).
  // Sections already ended can be read from it, e.g. to validate the weights before the header
  // is written.
  const std::string& temp_path() const { return file_.tmp_path(); }
  // [begin, end) file offsets of the most recently ended section; nullopt when none.
  std::optional<std::pair<uint64_t, uint64_t>> last_section_range() const;
  // Bytes written so far (the file offset), for progress reporting.
  uint64_t bytes_written() const;

 private:
  struct SectionRecord {
    SectionType type;
    std::vector<KeyValue> items;
    uint64_t begin;
    uint64_t end;
  };
  struct TensorRecord {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t data_offset, data_size, scales_offset, scales_size;
    TensorLayout layout;
    uint64_t row_sums_offset, row_sums_size;
  };

  LitertlmWriter(std::string path, AtomicFileWriter file);
  Status Fail(Status status);
  Status CheckUsable() const;
  Status WriteAligned(std::span<const uint8_t> bytes, uint64_t section_begin, uint64_t* offset);
  StatusOr<std::vector<uint8_t>> BuildHeader() const;

  std::string path_;
  AtomicFileWriter file_;
  Status error_;
  LitertlmVersion version_ = kOwnFormatVersion;
  bool finished_ = false;
  bool section_open_ = false;
  bool weights_open_ = false;
  SectionRecord current_{};
  std::vector<KeyValue> system_metadata_;
  std::vector<SectionRecord> sections_;
  std::vector<TensorRecord> tensors_;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_LITERTLM_WRITER_H_
