#include "serve/openai_request.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <cstdio>
#include <limits>

namespace litertlm::cli::serve {
namespace {

using rapidjson::Value;
using Error = std::optional<ApiError>;

const Value* Field(const Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;  // null = absent, as OpenAI
  return &it->value;
}

Error ParseBody(std::string_view body, rapidjson::Document* doc) {
  // Iterative: deeply nested input cannot exhaust the stack. Invalid UTF-8 is refused.
  doc->Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(),
                                                                                    body.size());
  if (doc->HasParseError()) {
    return BadRequest(std::string("the body is not valid JSON: ") +
                      rapidjson::GetParseError_En(doc->GetParseError()) + " at byte " +
                      std::to_string(doc->GetErrorOffset()));
  }
  if (!doc->IsObject()) return BadRequest("the body must be a JSON object");
  return std::nullopt;
}

std::string Num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", x);
  return buf;
}

Error GetNumber(const Value& o, const char* name, double lo, double hi, bool lo_open,
                std::optional<float>* out) {
  const Value* v = Field(o, name);
  if (v == nullptr) return std::nullopt;
  if (!v->IsNumber()) return BadRequest(std::string("'") + name + "' must be a number", name);
  const double x = v->GetDouble();
  if (!std::isfinite(x) || x < lo || x > hi || (lo_open && x == lo)) {
    return BadRequest(std::string("'") + name + "' must be in " + (lo_open ? "(" : "[") + Num(lo) +
                          ", " + Num(hi) + "], got " + Num(x),
                      name);
  }
  *out = static_cast<float>(x);
  return std::nullopt;
}

// An integer field (JSON numbers with no fraction) within [lo, hi].
Error GetInt(const Value& o, const char* name, int64_t lo, int64_t hi, std::optional<int64_t>* out) {
  const Value* v = Field(o, name);
  if (v == nullptr) return std::nullopt;
  if (!v->IsInt64()) return BadRequest(std::string("'") + name + "' must be an integer", name);
  const int64_t x = v->GetInt64();
  if (x < lo || x > hi) {
    return BadRequest(std::string("'") + name + "' must be in [" + std::to_string(lo) + ", " +
                          std::to_string(hi) + "], got " + std::to_string(x),
                      name);
  }
  *out = x;
  return std::nullopt;
}

Error GetBool(const Value& o, const char* name, std::optional<bool>* out) {
  const Value* v = Field(o, name);
  if (v == nullptr) return std::nullopt;
  if (!v->IsBool()) return BadRequest(std::string("'") + name + "' must be a boolean", name);
  *out = v->GetBool();
  return std::nullopt;
}

Error GetStop(const Value& o, const RequestLimits& limits, std::vector<std::string>* out) {
  const Value* v = Field(o, "stop");
  if (v == nullptr) return std::nullopt;
  auto add = [&](const Value& s) -> Error {
    if (!s.IsString()) return BadRequest("'stop' must be a string or an array of strings", "stop");
    if (s.GetStringLength() == 0) return BadRequest("'stop' strings must not be empty", "stop");
    out->emplace_back(s.GetString(), s.GetStringLength());
    return std::nullopt;
  };
  if (!v->IsArray()) return add(*v);
  if (v->Size() > limits.max_stop_strings) {
    return BadRequest("'stop' has " + std::to_string(v->Size()) + " strings; at most " +
                          std::to_string(limits.max_stop_strings) + " are allowed",
                      "stop");
  }
  for (const Value& s : v->GetArray()) {
    if (Error e = add(s)) return e;
  }
  return std::nullopt;
}

// Fields that must not be given other than at their neutral value.
Error RefuseUnsupported(const Value& o) {
  std::optional<int64_t> n;
  if (Error e = GetInt(o, "n", 1, 1, &n)) {
    e->message += " (this server returns one choice)";
    return e;
  }
  for (const char* name : {"logprobs", "echo"}) {
    const Value* v = Field(o, name);
    if (v != nullptr && !(v->IsBool() && !v->GetBool()) && !(v->IsInt() && v->GetInt() == 0))
      return BadRequest(std::string("'") + name + "' is not supported by this server", name);
  }
  for (const char* name : {"suffix", "tools", "functions", "best_of"}) {
    const Value* v = Field(o, name);
    if (v != nullptr && !(v->IsArray() && v->Empty()) && !(v->IsInt() && v->GetInt() == 1))
      return BadRequest(std::string("'") + name + "' is not supported by this server", name);
  }
  return std::nullopt;
}

Error ParseSampling(const Value& o, const RequestLimits& limits, SamplingRequest* out) {
  const Value* model = Field(o, "model");
  if (model == nullptr) return BadRequest("'model' is required", "model");
  if (!model->IsString()) return BadRequest("'model' must be a string", "model");
  out->model.assign(model->GetString(), model->GetStringLength());
  std::optional<bool> stream;
  if (Error e = GetBool(o, "stream", &stream)) return e;
  out->stream = stream.value_or(false);
  if (const Value* so = Field(o, "stream_options")) {
    if (!so->IsObject()) return BadRequest("'stream_options' must be an object", "stream_options");
    std::optional<bool> usage;
    if (Error e = GetBool(*so, "include_usage", &usage)) return e;
    out->include_usage = usage.value_or(false);
  }
  if (Error e = GetNumber(o, "temperature", 0, 2, false, &out->temperature)) return e;
  if (Error e = GetNumber(o, "top_p", 0, 1, true, &out->top_p)) return e;
  std::optional<int64_t> top_k, max_tokens, max_completion_tokens, seed;
  if (Error e = GetInt(o, "top_k", 0, std::numeric_limits<int>::max(), &top_k)) return e;
  if (top_k) out->top_k = static_cast<int>(*top_k);
  if (Error e = GetInt(o, "max_tokens", 1, limits.max_tokens, &max_tokens)) return e;
  if (Error e = GetInt(o, "max_completion_tokens", 1, limits.max_tokens, &max_completion_tokens))
    return e;
  out->max_tokens = static_cast<int>(max_completion_tokens.value_or(max_tokens.value_or(limits.max_tokens)));
  if (Error e = GetInt(o, "seed", std::numeric_limits<int64_t>::min(),
                       std::numeric_limits<int64_t>::max(), &seed))
    return e;
  if (seed) out->seed = static_cast<uint64_t>(*seed);
  if (Error e = GetStop(o, limits, &out->stop)) return e;
  return RefuseUnsupported(o);
}

// A message's content: a string, or an array of {"type": "text", "text": ...} parts.
Error ParseContent(const Value& m, size_t index, Role role, std::string* out) {
  const std::string param = "messages[" + std::to_string(index) + "].content";
  const Value* c = Field(m, "content");
  if (c == nullptr) {
    if (role == Role::kAssistant) return std::nullopt;  // e.g. an assistant turn with tool calls
    return BadRequest("'" + param + "' is required", param);
  }
  if (c->IsString()) {
    out->assign(c->GetString(), c->GetStringLength());
    return std::nullopt;
  }
  if (!c->IsArray()) return BadRequest("'" + param + "' must be a string or an array of parts", param);
  for (const Value& part : c->GetArray()) {
    const Value* type = part.IsObject() ? Field(part, "type") : nullptr;
    const Value* text = part.IsObject() ? Field(part, "text") : nullptr;
    if (type == nullptr || !type->IsString() || std::string_view(type->GetString()) != "text" ||
        text == nullptr || !text->IsString()) {
      return BadRequest("'" + param + "': only parts of type \"text\" with a string 'text' are supported",
                        param);
    }
    out->append(text->GetString(), text->GetStringLength());
  }
  return std::nullopt;
}

Error ParseMessages(const Value& o, const RequestLimits& limits, std::vector<Message>* out) {
  const Value* messages = Field(o, "messages");
  if (messages == nullptr) return BadRequest("'messages' is required", "messages");
  if (!messages->IsArray() || messages->Empty())
    return BadRequest("'messages' must be a non-empty array", "messages");
  if (messages->Size() > limits.max_messages)
    return BadRequest("'messages' has more than " + std::to_string(limits.max_messages) + " entries",
                      "messages");
  for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
    const Value& m = (*messages)[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (!m.IsObject()) return BadRequest("'" + param + "' must be an object", param);
    const Value* role = Field(m, "role");
    if (role == nullptr || !role->IsString())
      return BadRequest("'" + param + ".role' must be a string", param + ".role");
    const std::string_view name(role->GetString(), role->GetStringLength());
    Message message;
    if (name == "system" || name == "developer") {
      message.role = Role::kSystem;
    } else if (name == "user") {
      message.role = Role::kUser;
    } else if (name == "assistant") {
      message.role = Role::kAssistant;
    } else {
      return BadRequest("'" + param + ".role' must be system, developer, user or assistant, got '" +
                            std::string(name) + "'",
                        param + ".role");
    }
    if (Error e = ParseContent(m, i, message.role, &message.content)) return e;
    out->push_back(std::move(message));
  }
  if (out->back().role == Role::kAssistant)
    return BadRequest("the last message must be from the user or the system", "messages");
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> ParseChatRequest(std::string_view body, const RequestLimits& limits,
                                         ChatRequest* out) {
  rapidjson::Document doc;
  if (Error e = ParseBody(body, &doc)) return e;
  if (Error e = ParseSampling(doc, limits, out)) return e;
  if (Error e = ParseMessages(doc, limits, &out->messages)) return e;
  if (Error e = GetBool(doc, "enable_thinking", &out->enable_thinking)) return e;
  if (const Value* kwargs = Field(doc, "chat_template_kwargs")) {
    if (!kwargs->IsObject())
      return BadRequest("'chat_template_kwargs' must be an object", "chat_template_kwargs");
    if (Error e = GetBool(*kwargs, "enable_thinking", &out->enable_thinking)) return e;
  }
  return std::nullopt;
}

std::optional<ApiError> ParseCompletionRequest(std::string_view body, const RequestLimits& limits,
                                               CompletionRequest* out) {
  rapidjson::Document doc;
  if (Error e = ParseBody(body, &doc)) return e;
  if (Error e = ParseSampling(doc, limits, out)) return e;
  const Value* prompt = Field(doc, "prompt");
  if (prompt != nullptr && prompt->IsArray() && prompt->Size() == 1) prompt = &(*prompt)[0];
  if (prompt == nullptr || !prompt->IsString() || prompt->GetStringLength() == 0)
    return BadRequest("'prompt' must be a non-empty string (or an array of exactly one)", "prompt");
  out->prompt.assign(prompt->GetString(), prompt->GetStringLength());
  return std::nullopt;
}

}  // namespace litertlm::cli::serve
