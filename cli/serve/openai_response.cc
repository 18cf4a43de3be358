#include "serve/openai_response.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace litertlm::cli::serve {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
void Key(Writer& w, std::string_view s) { w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void OpenResponse(Writer& w, Endpoint endpoint, const ResponseHeader& h, bool chunk) {
  w.StartObject();
  Key(w, "id");
  Str(w, h.id);
  Key(w, "object");
  Str(w, endpoint == Endpoint::kChat ? (chunk ? "chat.completion.chunk" : "chat.completion")
                                     : "text_completion");
  Key(w, "created");
  w.Int64(h.created);
  Key(w, "model");
  Str(w, h.model);
  Key(w, "system_fingerprint");
  w.Null();
}

void WriteUsage(Writer& w, const Usage& u) {
  Key(w, "usage");
  w.StartObject();
  Key(w, "prompt_tokens");
  w.Int(u.prompt_tokens);
  Key(w, "completion_tokens");
  w.Int(u.completion_tokens);
  Key(w, "total_tokens");
  w.Int(u.prompt_tokens + u.completion_tokens);
  w.EndObject();
}

void FinishReason(Writer& w, std::optional<std::string_view> reason) {
  Key(w, "finish_reason");
  if (reason) {
    Str(w, *reason);
  } else {
    w.Null();
  }
}

}  // namespace

std::string CompletionBody(Endpoint endpoint, const ResponseHeader& header, std::string_view text,
                           std::string_view finish_reason, const Usage& usage) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  OpenResponse(w, endpoint, header, false);
  Key(w, "choices");
  w.StartArray();
  w.StartObject();
  Key(w, "index");
  w.Int(0);
  if (endpoint == Endpoint::kChat) {
    Key(w, "message");
    w.StartObject();
    Key(w, "role");
    Str(w, "assistant");
    Key(w, "content");
    Str(w, text);
    w.EndObject();
  } else {
    Key(w, "text");
    Str(w, text);
  }
  Key(w, "logprobs");
  w.Null();
  FinishReason(w, finish_reason);
  w.EndObject();
  w.EndArray();
  WriteUsage(w, usage);
  w.EndObject();
  return buffer.GetString();
}

std::string ChunkBody(Endpoint endpoint, const ResponseHeader& header, std::string_view text,
                      bool first, std::optional<std::string_view> finish_reason) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  OpenResponse(w, endpoint, header, true);
  Key(w, "choices");
  w.StartArray();
  w.StartObject();
  Key(w, "index");
  w.Int(0);
  if (endpoint == Endpoint::kChat) {
    Key(w, "delta");
    w.StartObject();
    if (first) {
      Key(w, "role");
      Str(w, "assistant");
    }
    if (!text.empty() || first) {
      Key(w, "content");
      Str(w, text);
    }
    w.EndObject();
  } else {
    Key(w, "text");
    Str(w, text);
  }
  Key(w, "logprobs");
  w.Null();
  FinishReason(w, finish_reason);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

std::string UsageChunkBody(Endpoint endpoint, const ResponseHeader& header, const Usage& usage) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  OpenResponse(w, endpoint, header, true);
  Key(w, "choices");
  w.StartArray();
  w.EndArray();
  WriteUsage(w, usage);
  w.EndObject();
  return buffer.GetString();
}

std::string ModelsBody(std::string_view model_id, int64_t created) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "object");
  Str(w, "list");
  Key(w, "data");
  w.StartArray();
  w.StartObject();
  Key(w, "id");
  Str(w, model_id);
  Key(w, "object");
  Str(w, "model");
  Key(w, "created");
  w.Int64(created);
  Key(w, "owned_by");
  Str(w, "litert-lm-cli");
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

std::string ErrorBody(const ApiError& error) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "error");
  w.StartObject();
  Key(w, "message");
  Str(w, error.message);
  Key(w, "type");
  Str(w, error.type);
  Key(w, "param");
  if (error.param.empty()) {
    w.Null();
  } else {
    Str(w, error.param);
  }
  Key(w, "code");
  if (error.code.empty()) {
    w.Null();
  } else {
    Str(w, error.code);
  }
  w.EndObject();
  w.EndObject();
  return buffer.GetString();
}

std::string SseEvent(std::string_view json) {
  std::string out = "data: ";
  out.append(json);
  out += "\n\n";
  return out;
}

std::string SseDone() { return "data: [DONE]\n\n"; }

}  // namespace litertlm::cli::serve
