#include "format/llm_metadata_text.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "format/llm_metadata.pb.h"

namespace litertlm::format {
namespace {

// Keeps the first error (with position) instead of logging to stderr.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty()) {
      error_ = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) +
               ": " + message;
    }
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

std::string LlmMetadataToText(const litert::lm::proto::LlmMetadata& metadata) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  std::string out;
  if (!printer.PrintToString(metadata, &out)) return "# (LlmMetadata could not be printed)\n";
  return out;
}

Status LlmMetadataFromText(std::string_view text, std::string_view origin,
                           litert::lm::proto::LlmMetadata* metadata) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), metadata)) {
    return InvalidArgumentError(std::string(origin) + ": not a valid LlmMetadata text proto: " +
                                errors.error());
  }
  return Status::Ok();
}

}  // namespace litertlm::format
