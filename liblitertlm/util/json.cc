#include "util/json.h"

#include <rapidjson/error/en.h>

#include <fstream>
#include <sstream>

namespace litertlm {

StatusOr<std::unique_ptr<rapidjson::Document>> ParseJson(std::string_view text,
                                                         const std::string& origin) {
  auto doc = std::make_unique<rapidjson::Document>();
  doc->Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseNanAndInfFlag>(text.data(),
                                                                                 text.size());
  if (doc->HasParseError()) {
    return InvalidArgumentError(origin + ": invalid JSON at offset " +
                                std::to_string(doc->GetErrorOffset()) + ": " +
                                rapidjson::GetParseError_En(doc->GetParseError()));
  }
  return doc;
}

StatusOr<std::unique_ptr<rapidjson::Document>> ParseJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseJson(ss.str(), path);
}

const rapidjson::Value* JsonObjectReader::Find(const char* field) const {
  if (!object_.IsObject()) return nullptr;
  auto it = object_.FindMember(field);
  if (it == object_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

bool JsonObjectReader::Has(const char* field) const { return Find(field) != nullptr; }

StatusOr<std::optional<int64_t>> JsonObjectReader::Int(const char* field) const {
  const rapidjson::Value* v = Find(field);
  if (v == nullptr) return std::optional<int64_t>();
  if (v->IsInt64()) return std::optional<int64_t>(v->GetInt64());
  if (v->IsUint64()) {
    return InvalidArgumentError(Where(field) + " is out of range");
  }
  if (v->IsDouble() && v->GetDouble() == static_cast<double>(static_cast<int64_t>(v->GetDouble())))
    return std::optional<int64_t>(static_cast<int64_t>(v->GetDouble()));
  return InvalidArgumentError(Where(field) + " must be an integer");
}

StatusOr<std::optional<double>> JsonObjectReader::Double(const char* field) const {
  const rapidjson::Value* v = Find(field);
  if (v == nullptr) return std::optional<double>();
  if (v->IsNumber()) return std::optional<double>(v->GetDouble());
  return InvalidArgumentError(Where(field) + " must be a number");
}

StatusOr<std::optional<bool>> JsonObjectReader::Bool(const char* field) const {
  const rapidjson::Value* v = Find(field);
  if (v == nullptr) return std::optional<bool>();
  if (v->IsBool()) return std::optional<bool>(v->GetBool());
  return InvalidArgumentError(Where(field) + " must be true or false");
}

StatusOr<std::optional<std::string>> JsonObjectReader::String(const char* field) const {
  const rapidjson::Value* v = Find(field);
  if (v == nullptr) return std::optional<std::string>();
  if (v->IsString()) return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
  return InvalidArgumentError(Where(field) + " must be a string");
}

StatusOr<const rapidjson::Value*> JsonObjectReader::Object(const char* field) const {
  const rapidjson::Value* v = Find(field);
  if (v == nullptr || v->IsObject()) return v;
  return InvalidArgumentError(Where(field) + " must be an object");
}

StatusOr<const rapidjson::Value*> JsonObjectReader::Array(const char* field) const {
  const rapidjson::Value* v = Find(field);
  if (v == nullptr || v->IsArray()) return v;
  return InvalidArgumentError(Where(field) + " must be an array");
}

StatusOr<int64_t> JsonObjectReader::RequireInt(const char* field) const {
  auto v = Int(field);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return InvalidArgumentError(Where(field) + " is missing");
  return **v;
}

StatusOr<std::string> JsonObjectReader::RequireString(const char* field) const {
  auto v = String(field);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return InvalidArgumentError(Where(field) + " is missing");
  return **v;
}

}  // namespace litertlm
