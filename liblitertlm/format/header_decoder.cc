#include "format/header_decoder.h"

#include <utility>

#include "format/litertlm_header_generated.h"
#include "format/litertlm_header_v1_0_generated.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace {

// Upper bounds that keep a hostile header from costing much (the header is ≤ file size anyway).
inline constexpr flatbuffers::uoffset_t kMaxDepth = 16;
inline constexpr flatbuffers::uoffset_t kMaxTables = 1u << 20;

template <typename Value>
Status Missing(const std::string& where, const std::string& key, const Value* v) {
  if (v == nullptr) return DataLossError(where + ": metadata key '" + key + "' has no value");
  return Status::Ok();
}

// Works for both schemas: tables and structs both expose value().
template <typename KeyValuePairT>
StatusOr<KeyValue> DecodeKeyValue(const KeyValuePairT* kv, const std::string& where) {
  KeyValue out;
  out.key = kv->key()->str();
  const int type = static_cast<int>(kv->value_type());
#define LITERTLM_DECODE_CASE(number, accessor, index)                                     \
  case number: {                                                                          \
    const auto* v = kv->accessor();                                                       \
    RETURN_IF_ERROR(Missing(where, out.key, v));                                          \
    out.value.template emplace<index>(v->value());                                        \
    return out;                                                                           \
  }
  switch (type) {
    LITERTLM_DECODE_CASE(1, value_as_UInt8, 0)
    LITERTLM_DECODE_CASE(2, value_as_Int8, 1)
    LITERTLM_DECODE_CASE(3, value_as_UInt16, 2)
    LITERTLM_DECODE_CASE(4, value_as_Int16, 3)
    LITERTLM_DECODE_CASE(5, value_as_UInt32, 4)
    LITERTLM_DECODE_CASE(6, value_as_Int32, 5)
    LITERTLM_DECODE_CASE(7, value_as_Float32, 6)
    LITERTLM_DECODE_CASE(8, value_as_Bool, 7)
    LITERTLM_DECODE_CASE(10, value_as_UInt64, 9)
    LITERTLM_DECODE_CASE(11, value_as_Int64, 10)
    LITERTLM_DECODE_CASE(12, value_as_Double, 11)
    case 9: {
      const auto* v = kv->value_as_StringValue();
      RETURN_IF_ERROR(Missing(where, out.key, v));
      out.value = v->value() ? v->value()->str() : std::string();
      return out;
    }
    default:
      return DataLossError(where + ": metadata key '" + out.key + "' has unknown value type " +
                           std::to_string(type));
  }
#undef LITERTLM_DECODE_CASE
}

template <typename VectorT>
StatusOr<std::vector<KeyValue>> DecodeKeyValues(const VectorT* entries, const std::string& where) {
  std::vector<KeyValue> out;
  if (entries == nullptr) return out;
  out.reserve(entries->size());
  for (const auto* kv : *entries) {
    ASSIGN_OR_RETURN(KeyValue decoded, DecodeKeyValue(kv, where));
    out.push_back(std::move(decoded));
  }
  return out;
}

template <typename RootT>
StatusOr<DecodedHeader> DecodeRoot(const RootT* root, const std::string& where) {
  DecodedHeader out;
  if (root->system_metadata() != nullptr) {
    ASSIGN_OR_RETURN(out.system_metadata,
                     DecodeKeyValues(root->system_metadata()->entries(), where + ": system metadata"));
  }
  if (root->section_metadata() == nullptr) {
    return DataLossError(where + ": header has no section table (section_metadata)");
  }
  const auto* objects = root->section_metadata()->objects();
  out.sections.reserve(objects->size());
  for (flatbuffers::uoffset_t i = 0; i < objects->size(); ++i) {
    const auto* obj = objects->Get(i);
    SectionInfo info;
    info.type = static_cast<uint8_t>(obj->data_type());
    info.begin = obj->begin_offset();
    info.end = obj->end_offset();
    ASSIGN_OR_RETURN(info.items, DecodeKeyValues(obj->items(), where + ": section " +
                                                                   std::to_string(i)));
    if (const KeyValue* c = FindKey(info.items, kContentKey)) {
      if (const auto* s = std::get_if<std::string>(&c->value)) info.content = *s;
    }
    out.sections.push_back(std::move(info));
  }
  return out;
}

}  // namespace

StatusOr<DecodedHeader> DecodeHeader(std::span<const uint8_t> header, bool struct_values,
                                     const std::string& where) {
  flatbuffers::Verifier verifier(header.data(), header.size(), kMaxDepth, kMaxTables);
  if (struct_values) {
    namespace v10 = ::litert::lm::schema::v1_0;
    if (!v10::VerifyLiteRTLMMetaDataBuffer(verifier)) {
      return DataLossError(where + ": header FlatBuffer fails verification (v1.0/1.1 schema)");
    }
    return DecodeRoot(v10::GetLiteRTLMMetaData(header.data()), where);
  }
  namespace fbs = ::litert::lm::schema;
  if (!fbs::VerifyLiteRTLMMetaDataBuffer(verifier)) {
    return DataLossError(where + ": header FlatBuffer fails verification");
  }
  return DecodeRoot(fbs::GetLiteRTLMMetaData(header.data()), where);
}

}  // namespace litertlm::format
