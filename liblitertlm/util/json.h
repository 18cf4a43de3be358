// JSON reading on RapidJSON with errors that name the file and the field path.
#ifndef LITERTLM_UTIL_JSON_H_
#define LITERTLM_UTIL_JSON_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/status.h"

namespace litertlm {

// Parses `text`; `origin` (usually a file name) prefixes every error.
StatusOr<std::unique_ptr<rapidjson::Document>> ParseJson(std::string_view text,
                                                         const std::string& origin);
StatusOr<std::unique_ptr<rapidjson::Document>> ParseJsonFile(const std::string& path);

// Typed, optional access to the members of one JSON object. Absent and `null` members read as
// std::nullopt; a member of the wrong type is an INVALID_ARGUMENT naming "origin: field".
class JsonObjectReader {
 public:
  JsonObjectReader(const rapidjson::Value& object, std::string origin)
      : object_(object), origin_(std::move(origin)) {}

  bool Has(const char* field) const;
  StatusOr<std::optional<int64_t>> Int(const char* field) const;
  StatusOr<std::optional<double>> Double(const char* field) const;
  StatusOr<std::optional<bool>> Bool(const char* field) const;
  StatusOr<std::optional<std::string>> String(const char* field) const;
  // Absent → nullptr; present but not an object → error.
  StatusOr<const rapidjson::Value*> Object(const char* field) const;
  StatusOr<const rapidjson::Value*> Array(const char* field) const;

  // Required variants: absent is an error naming the field.
  StatusOr<int64_t> RequireInt(const char* field) const;
  StatusOr<std::string> RequireString(const char* field) const;

  const std::string& origin() const { return origin_; }
  std::string Where(const char* field) const { return origin_ + ": field '" + field + "'"; }

 private:
  const rapidjson::Value* Find(const char* field) const;
  const rapidjson::Value& object_;
  std::string origin_;
};

}  // namespace litertlm

#endif  // LITERTLM_UTIL_JSON_H_
