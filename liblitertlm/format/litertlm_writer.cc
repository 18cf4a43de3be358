#include "format/litertlm_writer.h"

#include <zlib.h>

#include <cstring>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "format/litertlm_checksum.h"
#include "format/litertlm_header_generated.h"
#include "format/executor_metadata.pb.h"
#include "format/llm_metadata.pb.h"
#include "format/weights_layout.h"
#include "format/weights_table_generated.h"
#include "util/mapped_file.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace fbs = ::litert::lm::schema;

namespace {

flatbuffers::Offset<fbs::KeyValuePair> BuildKeyValue(flatbuffers::FlatBufferBuilder& fbb,
                                                     const KeyValue& kv) {
  auto key = fbb.CreateString(kv.key);
  const auto type = static_cast<fbs::VData>(kv.value.index() + 1);
  flatbuffers::Offset<void> value = std::visit(
      [&fbb](const auto& v) -> flatbuffers::Offset<void> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, uint8_t>) return fbs::CreateUInt8(fbb, v).Union();
        if constexpr (std::is_same_v<T, int8_t>) return fbs::CreateInt8(fbb, v).Union();
        if constexpr (std::is_same_v<T, uint16_t>) return fbs::CreateUInt16(fbb, v).Union();
        if constexpr (std::is_same_v<T, int16_t>) return fbs::CreateInt16(fbb, v).Union();
        if constexpr (std::is_same_v<T, uint32_t>) return fbs::CreateUInt32(fbb, v).Union();
        if constexpr (std::is_same_v<T, int32_t>) return fbs::CreateInt32(fbb, v).Union();
        if constexpr (std::is_same_v<T, float>) return fbs::CreateFloat32(fbb, v).Union();
        if constexpr (std::is_same_v<T, bool>) return fbs::CreateBool(fbb, v).Union();
        if constexpr (std::is_same_v<T, std::string>) {
          return fbs::CreateStringValue(fbb, fbb.CreateString(v)).Union();
        }
        if constexpr (std::is_same_v<T, uint64_t>) return fbs::CreateUInt64(fbb, v).Union();
        if constexpr (std::is_same_v<T, int64_t>) return fbs::CreateInt64(fbb, v).Union();
        if constexpr (std::is_same_v<T, double>) return fbs::CreateDouble(fbb, v).Union();
      },
      kv.value);
  return fbs::CreateKeyValuePair(fbb, key, type, value);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fbs::KeyValuePair>>> BuildKeyValues(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<KeyValue>& entries) {
  std::vector<flatbuffers::Offset<fbs::KeyValuePair>> offsets;
  offsets.reserve(entries.size());
  for (const KeyValue& kv : entries) offsets.push_back(BuildKeyValue(fbb, kv));
  return fbb.CreateVector(offsets);
}

Status CheckUniqueKeys(const std::vector<KeyValue>& entries, const std::string& where) {
  absl::flat_hash_set<std::string_view> seen;
  for (const KeyValue& kv : entries) {
    if (kv.key.empty()) return InvalidArgumentError(where + ": empty metadata key");
    if (!seen.insert(kv.key).second) {
      return InvalidArgumentError(where + ": duplicate metadata key '" + kv.key + "'");
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<LitertlmWriter>> LitertlmWriter::Create(const std::string& path) {
  ASSIGN_OR_RETURN(AtomicFileWriter file, AtomicFileWriter::Create(path));
  std::unique_ptr<LitertlmWriter> writer(new LitertlmWriter(path, std::move(file)));
  // Reserve the preamble + header region; Finish() fills it in.
  std::vector<uint8_t> zeros(kSectionAlignment, 0);
  RETURN_IF_ERROR(writer->file_.Write(zeros.data(), zeros.size()));
  return writer;
}

LitertlmWriter::LitertlmWriter(std::string path, AtomicFileWriter file)
    : path_(std::move(path)), file_(std::move(file)) {}

LitertlmWriter::~LitertlmWriter() = default;

uint64_t LitertlmWriter::bytes_written() const { return file_.offset(); }

std::optional<std::pair<uint64_t, uint64_t>> LitertlmWriter::last_section_range() const {
  if (sections_.empty()) return std::nullopt;
  return std::make_pair(sections_.back().begin, sections_.back().end);
}

Status LitertlmWriter::Fail(Status status) {
  if (error_.ok()) error_ = status;
  return status;
}

Status LitertlmWriter::CheckUsable() const {
  if (!error_.ok()) return error_;
  if (finished_) return FailedPreconditionError(path_ + ": writer already finished");
  return Status::Ok();
}

void LitertlmWriter::AddSystemMetadata(std::string key, MetadataValue value) {
  system_metadata_.push_back({std::move(key), std::move(value)});
}

Status LitertlmWriter::BeginSection(SectionType type, std::vector<KeyValue> items) {
  RETURN_IF_ERROR(CheckUsable());
  if (section_open_) {
    return Fail(FailedPreconditionError(path_ + ": BeginSection while section " +
                                        SectionTypeName(static_cast<uint8_t>(current_.type)) +
                                        " is still open"));
  }
  if (type == SectionType::kNone) {
    return Fail(InvalidArgumentError(path_ + ": section type NONE cannot be written"));
  }
  RETURN_IF_ERROR(Fail(CheckUniqueKeys(items, path_ + ": section " +
                                                  SectionTypeName(static_cast<uint8_t>(type)))));
  if (Status s = file_.PadTo(kSectionAlignment); !s.ok()) return Fail(s);
  current_ = {type, std::move(items), file_.offset(), 0};
  section_open_ = true;
  return Status::Ok();
}

Status LitertlmWriter::AppendSectionData(std::span<const uint8_t> data) {
  RETURN_IF_ERROR(CheckUsable());
  if (!section_open_) return Fail(FailedPreconditionError(path_ + ": no section is open"));
  if (Status s = file_.Write(data.data(), data.size()); !s.ok()) return Fail(s);
  return Status::Ok();
}

Status LitertlmWriter::EndSection() {
  RETURN_IF_ERROR(CheckUsable());
  if (!section_open_) return Fail(FailedPreconditionError(path_ + ": no section is open"));
  if (weights_open_) {
    return Fail(FailedPreconditionError(path_ + ": the weights section ends with EndWeights()"));
  }
  current_.end = file_.offset();
  sections_.push_back(std::move(current_));
  section_open_ = false;
  return Status::Ok();
}

Status LitertlmWriter::AddSection(SectionType type, std::vector<KeyValue> items,
                                  std::span<const uint8_t> data) {
  RETURN_IF_ERROR(BeginSection(type, std::move(items)));
  RETURN_IF_ERROR(AppendSectionData(data));
  return EndSection();
}

Status LitertlmWriter::AddLlmMetadata(const litert::lm::proto::LlmMetadata& metadata) {
  std::string bytes;
  if (!metadata.SerializeToString(&bytes)) {
    return Fail(InternalError(path_ + ": could not serialize LlmMetadata"));
  }
  return AddSection(SectionType::kLlmMetadataProto, {},
                    {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

Status LitertlmWriter::AddExecutorMetadata(const litert::lm::proto::ExecutorMetadata& metadata) {
  std::string bytes;
  if (!metadata.SerializeToString(&bytes)) {
    return Fail(InternalError(path_ + ": could not serialize ExecutorMetadata"));
  }
  return AddSection(SectionType::kExecutorMetadataProto, {},
                    {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

Status LitertlmWriter::AddSentencePieceTokenizer(std::span<const uint8_t> model_proto) {
  return AddSection(SectionType::kSpTokenizer, {}, model_proto);
}

Status LitertlmWriter::AddHfTokenizerJson(std::string_view tokenizer_json) {
  if (tokenizer_json.size() > kMaxHfTokenizerJsonSize) {
    return Fail(InvalidArgumentError(path_ + ": tokenizer.json is larger than 1 GiB"));
  }
  uLongf compressed_size = compressBound(static_cast<uLong>(tokenizer_json.size()));
  std::vector<uint8_t> payload(8 + compressed_size);
  const uint64_t raw_size = tokenizer_json.size();
  for (int i = 0; i < 8; ++i) payload[i] = static_cast<uint8_t>(raw_size >> (8 * i));
  int rc = compress2(payload.data() + 8, &compressed_size,
                     reinterpret_cast<const Bytef*>(tokenizer_json.data()),
                     static_cast<uLong>(tokenizer_json.size()), Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) {
    return Fail(InternalError(path_ + ": zlib compress2 failed with code " + std::to_string(rc)));
  }
  payload.resize(8 + compressed_size);
  return AddSection(SectionType::kHfTokenizerZlib, {}, payload);
}

Status LitertlmWriter::AddHfConfigJson(std::string_view config_json) {
  return AddSection(SectionType::kGenericBinaryData,
                    {{std::string(kContentKey), std::string(kContentHfConfigJson)}},
                    {reinterpret_cast<const uint8_t*>(config_json.data()), config_json.size()});
}

Status LitertlmWriter::BeginWeights() {
  std::vector<KeyValue> items = {
      {std::string(kContentKey), std::string(kContentWeights)},
      {std::string(kWeightsFormatVersionKey), kWeightsFormatVersion}};
  RETURN_IF_ERROR(BeginSection(SectionType::kGenericBinaryData, std::move(items)));
  uint8_t header[kWeightsHeaderSize];
  EncodeWeightsHeader(WeightsHeader{}, header);  // patched by EndWeights
  RETURN_IF_ERROR(AppendSectionData(header));
  weights_open_ = true;
  tensors_.clear();
  return Status::Ok();
}

Status LitertlmWriter::WriteAligned(std::span<const uint8_t> bytes, uint64_t section_begin,
                                    uint64_t* offset) {
  // Sections begin on 16 KiB boundaries, so file alignment implies section-relative alignment.
  if (Status s = file_.PadTo(kTensorAlignment); !s.ok()) return Fail(s);
  *offset = file_.offset() - section_begin;
  if (Status s = file_.Write(bytes.data(), bytes.size()); !s.ok()) return Fail(s);
  return Status::Ok();
}

Status LitertlmWriter::AddTensor(std::string_view name, const TensorView& tensor) {
  RETURN_IF_ERROR(CheckUsable());
  if (!weights_open_) return Fail(FailedPreconditionError(path_ + ": AddTensor before BeginWeights"));
  const std::string where = path_ + ": tensor '" + std::string(name) + "'";
  if (name.empty()) return Fail(InvalidArgumentError(path_ + ": tensor with an empty name"));
  for (const TensorRecord& t : tensors_) {
    if (t.name == name) return Fail(InvalidArgumentError(where + " added twice"));
  }
  auto sizes = ComputeTensorByteSizes(tensor.dtype, tensor.shape, name, tensor.layout);
  if (!sizes.ok()) return Fail(InvalidArgumentError(path_ + ": " + sizes.status().message()));
  if (tensor.data.size() != sizes->data) {
    return Fail(InvalidArgumentError(where + ": has " + std::to_string(tensor.data.size()) +
                                     " data bytes, dtype and shape need " +
                                     std::to_string(sizes->data)));
  }
  if (tensor.scales.size_bytes() != sizes->scales) {
    return Fail(InvalidArgumentError(where + ": has " + std::to_string(tensor.scales.size()) +
                                     " scales, dtype and shape need " +
                                     std::to_string(sizes->scales / 4)));
  }
  if (tensor.row_sums.size_bytes() != sizes->row_sums) {
    return Fail(InvalidArgumentError(where + ": has " + std::to_string(tensor.row_sums.size()) +
                                     " row sums, dtype, shape and layout need " +
                                     std::to_string(sizes->row_sums / 4)));
  }
  TensorRecord record{std::string(name), tensor.dtype,  tensor.shape, 0, sizes->data, 0,
                      sizes->scales,     tensor.layout, 0,            sizes->row_sums};
  RETURN_IF_ERROR(WriteAligned(tensor.data, current_.begin, &record.data_offset));
  if (sizes->scales > 0) {
    std::span<const uint8_t> scale_bytes(reinterpret_cast<const uint8_t*>(tensor.scales.data()),
                                         tensor.scales.size_bytes());
    RETURN_IF_ERROR(WriteAligned(scale_bytes, current_.begin, &record.scales_offset));
  }
  if (sizes->row_sums > 0) {
    std::span<const uint8_t> sum_bytes(reinterpret_cast<const uint8_t*>(tensor.row_sums.data()),
                                       tensor.row_sums.size_bytes());
    RETURN_IF_ERROR(WriteAligned(sum_bytes, current_.begin, &record.row_sums_offset));
  }
  tensors_.push_back(std::move(record));
  return Status::Ok();
}

Status LitertlmWriter::EndWeights() {
  RETURN_IF_ERROR(CheckUsable());
  if (!weights_open_) return Fail(FailedPreconditionError(path_ + ": EndWeights before BeginWeights"));
  flatbuffers::FlatBufferBuilder fbb(1024 + tensors_.size() * 128);
  std::vector<flatbuffers::Offset<::litertlm::weights::TensorEntry>> entries;
  entries.reserve(tensors_.size());
  for (const TensorRecord& t : tensors_) {
    // Sequenced, not nested in the call: the order of argument evaluation is unspecified (GCC
    // and Clang differ), and it decides the bytes. Shape first, as the golden files were written.
    const auto shape = fbb.CreateVector(t.shape);
    const auto name = fbb.CreateString(t.name);
    entries.push_back(::litertlm::weights::CreateTensorEntry(
        fbb, name, static_cast<uint8_t>(t.dtype), shape,
        t.data_offset, t.data_size, t.scales_offset, t.scales_size,
        static_cast<uint8_t>(t.layout), t.row_sums_offset, t.row_sums_size));
  }
  fbb.Finish(::litertlm::weights::CreateWeightsTable(fbb, fbb.CreateVector(entries)));
  WeightsHeader header;
  RETURN_IF_ERROR(WriteAligned({fbb.GetBufferPointer(), fbb.GetSize()}, current_.begin,
                               &header.table_offset));
  header.table_size = fbb.GetSize();
  uint8_t encoded[kWeightsHeaderSize];
  EncodeWeightsHeader(header, encoded);
  if (Status s = file_.WriteAt(current_.begin, encoded, sizeof(encoded)); !s.ok()) return Fail(s);
  weights_open_ = false;
  tensors_.clear();
  return EndSection();
}

StatusOr<std::vector<uint8_t>> LitertlmWriter::BuildHeader() const {
  if (version_.major != kLitertlmMajorVersion || version_.minor < 2) {
    return InvalidArgumentError(path_ + ": cannot stamp version " + std::to_string(version_.major) + "." +
                                std::to_string(version_.minor) + "." + std::to_string(version_.patch) +
                                " (the header written is the 1.x, x >= 2 layout)");
  }
  RETURN_IF_ERROR(CheckUniqueKeys(system_metadata_, path_ + ": system metadata"));
  flatbuffers::FlatBufferBuilder fbb(4096);
  auto system = fbs::CreateSystemMetadata(fbb, BuildKeyValues(fbb, system_metadata_));
  std::vector<flatbuffers::Offset<fbs::SectionObject>> objects;
  for (const SectionRecord& s : sections_) {
    auto items = BuildKeyValues(fbb, s.items);
    objects.push_back(fbs::CreateSectionObject(fbb, items, s.begin, s.end,
                                               static_cast<fbs::AnySectionDataType>(s.type)));
  }
  auto section_metadata = fbs::CreateSectionMetadata(fbb, fbb.CreateVector(objects));
  fbb.Finish(fbs::CreateLiteRTLMMetaData(fbb, system, section_metadata));
  const uint64_t header_end = kPreambleSize + fbb.GetSize();
  if (header_end > kMaxWrittenHeaderEnd) {
    return ResourceExhaustedError(path_ + ": header is " + std::to_string(fbb.GetSize()) +
                                  " bytes; it must fit in the first 16 KiB with the preamble "
                                  "(too much metadata)");
  }
  std::vector<uint8_t> out(header_end, 0);
  std::memcpy(out.data(), kLitertlmMagic.data(), kLitertlmMagic.size());
  const uint32_t version[3] = {version_.major, version_.minor, version_.patch};
  for (int v = 0; v < 3; ++v) {
    for (int i = 0; i < 4; ++i) out[8 + 4 * v + i] = static_cast<uint8_t>(version[v] >> (8 * i));
  }
  for (int i = 0; i < 8; ++i) {
    out[kHeaderEndFieldOffset + i] = static_cast<uint8_t>(header_end >> (8 * i));
  }
  std::memcpy(out.data() + kPreambleSize, fbb.GetBufferPointer(), fbb.GetSize());
  return out;
}

Status LitertlmWriter::Finish() {
  RETURN_IF_ERROR(CheckUsable());
  if (section_open_) {
    return Fail(FailedPreconditionError(path_ + ": Finish with section " +
                                        SectionTypeName(static_cast<uint8_t>(current_.type)) +
                                        " still open"));
  }
  // The checksum of everything after the header region (litertlm_checksum.h), read back from
  // the temporary file: the weights section's header is patched in place, so a running hash of
  // the writes would not match the bytes.
  {
    auto mapped = MappedFile::Open(file_.tmp_path());
    if (!mapped.ok()) return Fail(mapped.status());
    auto sha = SectionsSha256(mapped->bytes());
    if (!sha.ok()) return Fail(sha.status());
    AddSystemMetadata(kSectionsSha256Key, *sha);
  }
  auto header = BuildHeader();
  if (!header.ok()) return Fail(header.status());
  if (Status s = file_.WriteAt(0, header->data(), header->size()); !s.ok()) return Fail(s);
  if (Status s = file_.Commit(); !s.ok()) return Fail(s);
  finished_ = true;
  return Status::Ok();
}

}  // namespace litertlm::format
