// The C ABI (include/litertlm/c/litertlm.h) over the C++ API: handles own the C++ objects,
// every status-returning function runs inside Guard (no exception crosses the boundary, the
// thread-local last error is set), and options structs are read by the extensible-struct rule.
#include "litertlm/c/litertlm.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "litertlm/engine.h"
#include "litertlm/session.h"
#include "litertlm/status.h"
#include "util/status_macros.h"

struct litertlm_engine {
  std::shared_ptr<const litertlm::Engine> engine;
};
struct litertlm_session {
  std::shared_ptr<const litertlm::Engine> engine;
  std::unique_ptr<litertlm::Session> session;
};
struct litertlm_result {
  litertlm::GenerateResult result;
};

namespace litertlm {
namespace {

// The C enums are the C++ ones, value for value (the header promises it).
#define LITERTLM_SAME_CODE(c_value, cc_value) \
  static_assert(static_cast<int>(c_value) == static_cast<int>(cc_value), #c_value)
LITERTLM_SAME_CODE(LITERTLM_OK, StatusCode::kOk);
LITERTLM_SAME_CODE(LITERTLM_CANCELLED, StatusCode::kCancelled);
LITERTLM_SAME_CODE(LITERTLM_UNKNOWN, StatusCode::kUnknown);
LITERTLM_SAME_CODE(LITERTLM_INVALID_ARGUMENT, StatusCode::kInvalidArgument);
LITERTLM_SAME_CODE(LITERTLM_DEADLINE_EXCEEDED, StatusCode::kDeadlineExceeded);
LITERTLM_SAME_CODE(LITERTLM_NOT_FOUND, StatusCode::kNotFound);
LITERTLM_SAME_CODE(LITERTLM_ALREADY_EXISTS, StatusCode::kAlreadyExists);
LITERTLM_SAME_CODE(LITERTLM_PERMISSION_DENIED, StatusCode::kPermissionDenied);
LITERTLM_SAME_CODE(LITERTLM_RESOURCE_EXHAUSTED, StatusCode::kResourceExhausted);
LITERTLM_SAME_CODE(LITERTLM_FAILED_PRECONDITION, StatusCode::kFailedPrecondition);
LITERTLM_SAME_CODE(LITERTLM_ABORTED, StatusCode::kAborted);
LITERTLM_SAME_CODE(LITERTLM_OUT_OF_RANGE, StatusCode::kOutOfRange);
LITERTLM_SAME_CODE(LITERTLM_UNIMPLEMENTED, StatusCode::kUnimplemented);
LITERTLM_SAME_CODE(LITERTLM_INTERNAL, StatusCode::kInternal);
LITERTLM_SAME_CODE(LITERTLM_UNAVAILABLE, StatusCode::kUnavailable);
LITERTLM_SAME_CODE(LITERTLM_DATA_LOSS, StatusCode::kDataLoss);
LITERTLM_SAME_CODE(LITERTLM_UNAUTHENTICATED, StatusCode::kUnauthenticated);
LITERTLM_SAME_CODE(LITERTLM_ROLE_SYSTEM, Role::kSystem);
LITERTLM_SAME_CODE(LITERTLM_ROLE_USER, Role::kUser);
LITERTLM_SAME_CODE(LITERTLM_ROLE_ASSISTANT, Role::kAssistant);
LITERTLM_SAME_CODE(LITERTLM_FINISH_STOP, FinishReason::kStopToken);
LITERTLM_SAME_CODE(LITERTLM_FINISH_LENGTH, FinishReason::kMaxTokens);
LITERTLM_SAME_CODE(LITERTLM_FINISH_STOP_STRING, FinishReason::kStopString);
LITERTLM_SAME_CODE(LITERTLM_FINISH_CANCELLED, FinishReason::kCancelled);
LITERTLM_SAME_CODE(LITERTLM_FINISH_CONTEXT_FULL, FinishReason::kContextFull);
LITERTLM_SAME_CODE(LITERTLM_KV_CACHE_F32, KvCacheDType::kFloat32);
LITERTLM_SAME_CODE(LITERTLM_KV_CACHE_F16, KvCacheDType::kFloat16);
LITERTLM_SAME_CODE(LITERTLM_KV_CACHE_INT8, KvCacheDType::kInt8);
#undef LITERTLM_SAME_CODE
static_assert(sizeof(litertlm_status) == 4 && sizeof(litertlm_role) == 4 &&
              sizeof(litertlm_finish_reason) == 4 && sizeof(litertlm_kv_cache_dtype) == 4);

// The size of each options struct's first ABI version (LITERTLM_C_1): the end of its last field.
// Fields added later go after these; a caller's struct_size below this is refused.
constexpr size_t kEngineOptionsV1 = offsetof(litertlm_engine_options, lock_in_memory) + sizeof(int32_t);
constexpr size_t kSessionOptionsV1 = offsetof(litertlm_session_options, reserved) + sizeof(int32_t);
constexpr size_t kGenerateOptionsV1 = offsetof(litertlm_generate_options, reserved) + sizeof(int32_t);
constexpr size_t kStatsV1 =
    offsetof(litertlm_generation_stats, decode_tokens_per_second) + sizeof(double);
// No trailing padding, so a field appended later always makes sizeof (and struct_size) grow.
static_assert(sizeof(litertlm_engine_options) == kEngineOptionsV1);
static_assert(sizeof(litertlm_session_options) == kSessionOptionsV1);
static_assert(sizeof(litertlm_generate_options) == kGenerateOptionsV1);
static_assert(sizeof(litertlm_generation_stats) == kStatsV1);

thread_local std::string last_error;

litertlm_status Report(const Status& status) {
  last_error = status.message();
  return static_cast<litertlm_status>(status.code());
}

// Runs `body` (returning a Status) for a C entry point: clears the thread's last error, turns the
// Status into the return code and message, and keeps exceptions (std::bad_alloc) inside.
template <typename Body>
litertlm_status Guard(Body&& body) noexcept {
  try {
    last_error.clear();
    return Report(body());
  } catch (const std::bad_alloc&) {
    return Report(ResourceExhaustedError("out of memory"));
  } catch (const std::exception& e) {
    return Report(InternalError(std::string("unexpected exception: ") + e.what()));
  } catch (...) {
    return Report(InternalError("unexpected exception"));
  }
}

Status NullArgument(std::string_view function, std::string_view argument) {
  return InvalidArgumentError(std::string(function) + ": " + std::string(argument) + " is NULL");
}

// Copies the caller's options struct `in` (NULL: keep `*out`, the defaults) into `*out` by the
// extensible-struct rule: fields the caller's (older) struct lacks keep their defaults, and bytes
// past the fields this library knows must be zero.
template <typename T>
Status ReadOptions(const T* in, std::string_view name, size_t v1_size, T* out) {
  if (in == nullptr) return Status::Ok();
  const size_t size = in->struct_size;
  if (size < v1_size) {
    return InvalidArgumentError(std::string(name) + ".struct_size is " + std::to_string(size) +
                                ", expected at least " + std::to_string(v1_size) +
                                " (initialise the struct with " + std::string(name) + "_init)");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(in);
  for (size_t i = sizeof(T); i < size; ++i) {
    if (bytes[i] != 0) {
      return InvalidArgumentError(std::string(name) + " sets fields this liblitertlm (" +
                                  LITERTLM_VERSION_STRING + ") does not know (struct_size " +
                                  std::to_string(size) + " > " + std::to_string(sizeof(T)) +
                                  "): the program needs a newer library");
    }
  }
  std::memcpy(static_cast<void*>(out), in, std::min(size, sizeof(T)));
  out->struct_size = sizeof(T);
  return Status::Ok();
}

StatusOr<EngineOptions> ToEngineOptions(const litertlm_engine_options* in) {
  litertlm_engine_options o;
  litertlm_engine_options_init(&o);
  RETURN_IF_ERROR(ReadOptions(in, "litertlm_engine_options", kEngineOptionsV1, &o));
  if (o.num_threads < 0) return InvalidArgumentError("litertlm_engine_options.num_threads must be >= 0");
  EngineOptions out;
  out.num_threads = o.num_threads;
  out.lock_in_memory = o.lock_in_memory != 0;
  return out;
}

StatusOr<SessionOptions> ToSessionOptions(const litertlm_session_options* in) {
  litertlm_session_options o;
  litertlm_session_options_init(&o);
  RETURN_IF_ERROR(ReadOptions(in, "litertlm_session_options", kSessionOptionsV1, &o));
  if (o.reserved != 0) return InvalidArgumentError("litertlm_session_options.reserved must be 0");
  if (o.kv_cache_dtype < LITERTLM_KV_CACHE_F32 || o.kv_cache_dtype > LITERTLM_KV_CACHE_INT8) {
    return InvalidArgumentError("litertlm_session_options.kv_cache_dtype: unknown value " +
                                std::to_string(o.kv_cache_dtype));
  }
  SessionOptions out;  // Session::Create checks the signs and names SessionOptions' fields
  out.max_context = o.max_context;
  out.kv_cache_dtype = static_cast<KvCacheDType>(o.kv_cache_dtype);
  out.num_threads = o.num_threads;
  return out;
}

// The model's sampler defaults with the fields the caller set (>= 0) applied one by one.
StatusOr<std::optional<SamplerOptions>> ToSampler(const litertlm_generate_options& o,
                                                  const ModelDefaults& defaults) {
  if (std::isnan(o.temperature) || std::isinf(o.temperature))
    return InvalidArgumentError("litertlm_generate_options.temperature must be finite");
  if (std::isnan(o.top_p) || o.top_p == 0 || o.top_p > 1) {
    // snprintf, not std::to_string(float): that instantiates a std template the library would
    // export with default visibility.
    char value[32];
    std::snprintf(value, sizeof(value), "%g", static_cast<double>(o.top_p));
    return InvalidArgumentError("litertlm_generate_options.top_p must be in (0, 1] (or < 0 for the "
                                "model's default), got " + std::string(value));
  }
  if (o.temperature < 0 && o.top_k < 0 && o.top_p < 0 && o.seed < 0) return std::nullopt;
  SamplerOptions sampler = defaults.sampler;
  if (o.temperature >= 0) sampler.temperature = o.temperature;
  if (o.top_k >= 0) sampler.top_k = o.top_k;
  if (o.top_p >= 0) sampler.top_p = o.top_p;
  if (o.seed >= 0) sampler.seed = static_cast<uint64_t>(o.seed);
  return std::optional<SamplerOptions>(sampler);
}

StatusOr<GenerateOptions> ToGenerateOptions(const litertlm_generate_options* in,
                                            const ModelDefaults& defaults) {
  litertlm_generate_options o;
  litertlm_generate_options_init(&o);
  RETURN_IF_ERROR(ReadOptions(in, "litertlm_generate_options", kGenerateOptionsV1, &o));
  if (o.reserved != 0) return InvalidArgumentError("litertlm_generate_options.reserved must be 0");
  if (o.max_tokens < 0) return InvalidArgumentError("litertlm_generate_options.max_tokens must be >= 0");
  GenerateOptions out;
  out.max_tokens = o.max_tokens;
  ASSIGN_OR_RETURN(out.sampler, ToSampler(o, defaults));
  if (o.num_stop_strings > 0 && o.stop_strings == nullptr) {
    return InvalidArgumentError("litertlm_generate_options.stop_strings is NULL but num_stop_strings is " +
                                std::to_string(o.num_stop_strings));
  }
  for (size_t i = 0; i < o.num_stop_strings; ++i) {
    if (o.stop_strings[i] == nullptr)
      return InvalidArgumentError("litertlm_generate_options.stop_strings[" + std::to_string(i) + "] is NULL");
    out.stop_strings.emplace_back(o.stop_strings[i]);
  }
  if (o.enable_thinking >= 0) out.enable_thinking = o.enable_thinking != 0;
  return out;
}

// The C callback as a StreamCallback; each piece is copied so it can be NUL-terminated.
StreamCallback ToStreamCallback(litertlm_stream_callback on_text, void* user_data) {
  if (on_text == nullptr) return nullptr;
  return [on_text, user_data, piece = std::string()](std::string_view text) mutable {
    piece.assign(text);
    return on_text(piece.c_str(), piece.size(), user_data) != 0;
  };
}

// Generate (text == nullptr) or Complete (text) for the two C entry points.
Status Run(std::string_view function, litertlm_session* session, const char* text,
           const litertlm_generate_options* options, litertlm_stream_callback on_text,
           void* user_data, litertlm_result** result) {
  if (result != nullptr) *result = nullptr;
  if (session == nullptr) return NullArgument(function, "session");
  ASSIGN_OR_RETURN(GenerateOptions generate, ToGenerateOptions(options, session->engine->defaults()));
  const StreamCallback callback = ToStreamCallback(on_text, user_data);
  ASSIGN_OR_RETURN(GenerateResult reply, text == nullptr
                                             ? session->session->Generate(generate, callback)
                                             : session->session->Complete(text, generate, callback));
  if (result != nullptr) *result = new litertlm_result{std::move(reply)};
  return Status::Ok();
}

}  // namespace
}  // namespace litertlm

using litertlm::Guard;
using litertlm::NullArgument;
using litertlm::Status;

extern "C" {

const char* litertlm_last_error(void) { return litertlm::last_error.c_str(); }

const char* litertlm_status_name(litertlm_status status) {
  // StatusCodeName returns views of string literals, so data() is NUL-terminated.
  return litertlm::StatusCodeName(static_cast<litertlm::StatusCode>(status)).data();
}

const char* litertlm_version(void) { return LITERTLM_VERSION_STRING; }

void litertlm_engine_options_init(litertlm_engine_options* options) {
  if (options == nullptr) return;
  *options = litertlm_engine_options{};
  options->struct_size = sizeof(litertlm_engine_options);
}

litertlm_status litertlm_engine_create(const char* path, const litertlm_engine_options* options,
                                       litertlm_engine** engine) {
  return Guard([&]() -> Status {
    if (engine == nullptr) return NullArgument("litertlm_engine_create", "engine");
    *engine = nullptr;
    if (path == nullptr) return NullArgument("litertlm_engine_create", "path");
    ASSIGN_OR_RETURN(litertlm::EngineOptions engine_options, litertlm::ToEngineOptions(options));
    ASSIGN_OR_RETURN(auto created, litertlm::Engine::Create(path, engine_options));
    *engine = new litertlm_engine{std::move(created)};
    return Status::Ok();
  });
}

void litertlm_engine_destroy(litertlm_engine* engine) { delete engine; }

void litertlm_session_options_init(litertlm_session_options* options) {
  if (options == nullptr) return;
  *options = litertlm_session_options{};
  options->struct_size = sizeof(litertlm_session_options);
  options->kv_cache_dtype = LITERTLM_KV_CACHE_F32;
}

litertlm_status litertlm_session_create(const litertlm_engine* engine,
                                        const litertlm_session_options* options,
                                        litertlm_session** session) {
  return Guard([&]() -> Status {
    if (session == nullptr) return NullArgument("litertlm_session_create", "session");
    *session = nullptr;
    if (engine == nullptr) return NullArgument("litertlm_session_create", "engine");
    ASSIGN_OR_RETURN(litertlm::SessionOptions session_options, litertlm::ToSessionOptions(options));
    ASSIGN_OR_RETURN(auto created, litertlm::Session::Create(engine->engine, session_options));
    *session = new litertlm_session{engine->engine, std::move(created)};
    return Status::Ok();
  });
}

void litertlm_session_destroy(litertlm_session* session) { delete session; }

litertlm_status litertlm_session_add_message(litertlm_session* session, litertlm_role role,
                                             const char* content) {
  return Guard([&]() -> Status {
    if (session == nullptr) return NullArgument("litertlm_session_add_message", "session");
    if (content == nullptr) return NullArgument("litertlm_session_add_message", "content");
    if (role < LITERTLM_ROLE_SYSTEM || role > LITERTLM_ROLE_ASSISTANT) {
      return litertlm::InvalidArgumentError("litertlm_session_add_message: unknown role " +
                                            std::to_string(static_cast<int>(role)));
    }
    session->session->AddMessage(static_cast<litertlm::Role>(role), content);
    return Status::Ok();
  });
}

litertlm_status litertlm_session_clear(litertlm_session* session) {
  return Guard([&]() -> Status {
    if (session == nullptr) return NullArgument("litertlm_session_clear", "session");
    session->session->Clear();
    return Status::Ok();
  });
}

void litertlm_generate_options_init(litertlm_generate_options* options) {
  if (options == nullptr) return;
  *options = litertlm_generate_options{};
  options->struct_size = sizeof(litertlm_generate_options);
  options->temperature = -1.0f;
  options->top_k = -1;
  options->top_p = -1.0f;
  options->seed = -1;
  options->enable_thinking = -1;
}

const char* litertlm_finish_reason_name(litertlm_finish_reason reason) {
  // FinishReasonName returns views of string literals, so data() is NUL-terminated.
  return litertlm::FinishReasonName(static_cast<litertlm::FinishReason>(reason)).data();
}

litertlm_status litertlm_session_generate(litertlm_session* session,
                                          const litertlm_generate_options* options,
                                          litertlm_stream_callback on_text, void* user_data,
                                          litertlm_result** result) {
  return Guard([&]() -> Status {
    return litertlm::Run("litertlm_session_generate", session, nullptr, options, on_text,
                         user_data, result);
  });
}

litertlm_status litertlm_session_complete(litertlm_session* session, const char* text,
                                          const litertlm_generate_options* options,
                                          litertlm_stream_callback on_text, void* user_data,
                                          litertlm_result** result) {
  return Guard([&]() -> Status {
    if (text == nullptr) {
      if (result != nullptr) *result = nullptr;
      return NullArgument("litertlm_session_complete", "text");
    }
    return litertlm::Run("litertlm_session_complete", session, text, options, on_text, user_data,
                         result);
  });
}

void litertlm_session_cancel(litertlm_session* session) {
  if (session != nullptr) session->session->Cancel();
}

const char* litertlm_result_text(const litertlm_result* result, size_t* length) {
  const char* text = result == nullptr ? "" : result->result.text.c_str();
  if (length != nullptr) *length = result == nullptr ? 0 : result->result.text.size();
  return text;
}

litertlm_finish_reason litertlm_result_finish_reason(const litertlm_result* result) {
  if (result == nullptr) return LITERTLM_FINISH_STOP;
  return static_cast<litertlm_finish_reason>(result->result.finish_reason);
}

litertlm_status litertlm_result_stats(const litertlm_result* result, litertlm_generation_stats* stats) {
  return Guard([&]() -> Status {
    if (result == nullptr) return NullArgument("litertlm_result_stats", "result");
    if (stats == nullptr) return NullArgument("litertlm_result_stats", "stats");
    const size_t size = stats->struct_size;
    if (size < litertlm::kStatsV1) {
      return litertlm::InvalidArgumentError(
          "litertlm_generation_stats.struct_size is " + std::to_string(size) + ", expected at least " +
          std::to_string(litertlm::kStatsV1) + " (set it to sizeof(litertlm_generation_stats))");
    }
    const litertlm::GenerationStats& s = result->result.stats;
    litertlm_generation_stats out{};
    out.struct_size = size;
    out.prompt_tokens = s.prompt_tokens;
    out.reused_tokens = s.reused_tokens;
    out.generated_tokens = s.generated_tokens;
    out.context_tokens = s.context_tokens;
    out.prefill_seconds = s.prefill_seconds;
    out.time_to_first_token_seconds = s.time_to_first_token_seconds;
    out.decode_seconds = s.decode_seconds;
    out.prefill_tokens_per_second = s.prefill_tokens_per_second;
    out.decode_tokens_per_second = s.decode_tokens_per_second;
    std::memcpy(static_cast<void*>(stats), &out, sizeof(out));
    if (size > sizeof(out)) std::memset(reinterpret_cast<unsigned char*>(stats) + sizeof(out), 0, size - sizeof(out));
    return Status::Ok();
  });
}

void litertlm_result_destroy(litertlm_result* result) { delete result; }

}  // extern "C"
