/* File: litertlm/c/litertlm.h
 * The stable C ABI of liblitertlm, for C programs and for other languages' foreign-function
 * interfaces (Python ctypes/cffi, Go cgo, Rust, Swift, Kotlin/JNA). Plain C11: no C++ types
 * cross it; engines, sessions and results are opaque handles.
 *
 *   litertlm_engine* engine = NULL;
 *   if (litertlm_engine_create("/models/gemma-3-270m-it.litertlm", NULL, &engine) != LITERTLM_OK) {
 *     fprintf(stderr, "%s\n", litertlm_last_error());
 *     return 1;
 *   }
 *   litertlm_session* session = NULL;
 *   litertlm_session_create(engine, NULL, &session);
 *   litertlm_session_add_message(session, LITERTLM_ROLE_USER, "What is the capital of France?");
 *   litertlm_generate_options options;
 *   litertlm_generate_options_init(&options);  // every field: the model's default
 *   options.max_tokens = 64;
 *   litertlm_result* result = NULL;
 *   litertlm_status s = litertlm_session_generate(session, &options, print_piece, NULL, &result);
 *   ...
 *   litertlm_result_destroy(result);
 *   litertlm_session_destroy(session);
 *   litertlm_engine_destroy(engine);
 *
 * Errors. Every fallible call returns a litertlm_status, numerically equal to litertlm::StatusCode
 * (and to absl's and gRPC's codes). The message of a failed call, naming the file, field or
 * argument at fault, is then available from litertlm_last_error() on the same thread (as in
 * LiteRT-LM's C API, errno and dlerror). Functions that return no status never fail.
 *
 * Ownership. Every handle a *_create or generate call returns belongs to the caller, who frees it
 * with the matching *_destroy (which accepts NULL). Every `const char*` the library returns is
 * owned by the library; its lifetime is stated at each function. Strings passed in are copied
 * or used only during the call. All text is UTF-8.
 *
 * Options structs grow at their end. Initialise one with its *_init function (which sets
 * `struct_size` to this header's sizeof and every field to its default), then set fields.
 * A library newer than the header reads only the first `struct_size` bytes and uses defaults for
 * the rest; an older library refuses (INVALID_ARGUMENT) a struct with non-zero bytes past the
 * fields it knows.
 *
 * Thread-safety. An engine is immutable: any number of sessions on any number of threads may use
 * it. A session is used by one thread at a time, except litertlm_session_cancel, which any
 * thread may call at any time. A session keeps its engine alive: the engine handle may be
 * destroyed before the sessions created from it.
 *
 * Symbols are exported with the version node LITERTLM_C_1; the list is committed
 * (liblitertlm/api/litertlm_c.map) and a test checks the library exports exactly that list.
 */
#ifndef LITERTLM_C_LITERTLM_H_
#define LITERTLM_C_LITERTLM_H_

#include <stddef.h>
#include <stdint.h>

#include "litertlm/export.h"
#include "litertlm/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every enum ends with a *_MAX_ENUM_ = 0x7fffffff entry (as Vulkan's do): it pins the enum to 32
 * bits and makes any int32 value a valid value of the type, so a value a newer library or a
 * foreign caller passes is handled (refused or named "unknown"), never undefined behaviour. */

/* ---- status, errors, version ---- */

typedef enum litertlm_status {
  LITERTLM_OK = 0,
  LITERTLM_CANCELLED = 1,
  LITERTLM_UNKNOWN = 2,
  LITERTLM_INVALID_ARGUMENT = 3,
  LITERTLM_DEADLINE_EXCEEDED = 4,
  LITERTLM_NOT_FOUND = 5,
  LITERTLM_ALREADY_EXISTS = 6,
  LITERTLM_PERMISSION_DENIED = 7,
  LITERTLM_RESOURCE_EXHAUSTED = 8,
  LITERTLM_FAILED_PRECONDITION = 9,
  LITERTLM_ABORTED = 10,
  LITERTLM_OUT_OF_RANGE = 11,
  LITERTLM_UNIMPLEMENTED = 12,
  LITERTLM_INTERNAL = 13,
  LITERTLM_UNAVAILABLE = 14,
  LITERTLM_DATA_LOSS = 15,
  LITERTLM_UNAUTHENTICATED = 16,
  LITERTLM_STATUS_MAX_ENUM_ = 0x7fffffff /* not a status: makes every int32 value valid */
} litertlm_status;

/* The message of the last call on this thread that returned a litertlm_status: "" when it
 * succeeded (or none was made), else what failed and why. Functions that return no status leave
 * it alone. Owned by the library; valid until the next status-returning call on this thread. */
LITERTLM_API const char* litertlm_last_error(void);

/* "OK", "INVALID_ARGUMENT", ... as absl spells them; "UNKNOWN" for a value outside the enum.
 * A static string. */
LITERTLM_API const char* litertlm_status_name(litertlm_status status);

/* The version of the library actually loaded, e.g. "0.1.0" (compare LITERTLM_VERSION_STRING,
 * the header's). A static string. */
LITERTLM_API const char* litertlm_version(void);

/* ---- engine: a model's weights, tokenizer, chat template and defaults ---- */

typedef struct litertlm_engine litertlm_engine;

typedef struct litertlm_engine_options {
  size_t struct_size;     /* sizeof(litertlm_engine_options); set by litertlm_engine_options_init */
  int32_t num_threads;    /* worker threads; 0 (default) = physical cores */
  int32_t lock_in_memory; /* non-zero: mlock a .litertlm file's weights (RESOURCE_EXHAUSTED when
                             RLIMIT_MEMLOCK refuses) */
} litertlm_engine_options;

LITERTLM_API void litertlm_engine_options_init(litertlm_engine_options* options);

/* Loads `path`: a .litertlm file, or a Hugging Face checkpoint directory with its tokenizer
 * files. `options` may be NULL (defaults). On success *engine is a new handle (free with
 * litertlm_engine_destroy); on failure *engine is NULL. */
LITERTLM_API litertlm_status litertlm_engine_create(const char* path,
                                                    const litertlm_engine_options* options,
                                                    litertlm_engine** engine);
LITERTLM_API void litertlm_engine_destroy(litertlm_engine* engine);

/* ---- session: one conversation (history + KV cache) ---- */

typedef struct litertlm_session litertlm_session;

typedef enum litertlm_kv_cache_dtype {
  LITERTLM_KV_CACHE_F32 = 0, /* exact */
  LITERTLM_KV_CACHE_F16 = 1,
  LITERTLM_KV_CACHE_INT8 = 2, /* one fp32 scale per 32 values, like llama.cpp's q8_0 cache */
  LITERTLM_KV_CACHE_MAX_ENUM_ = 0x7fffffff
} litertlm_kv_cache_dtype;

typedef struct litertlm_session_options {
  size_t struct_size;      /* sizeof(litertlm_session_options); set by litertlm_session_options_init */
  int32_t max_context;     /* most tokens the session may hold; 0 (default) = the model's limit */
  int32_t kv_cache_dtype;  /* a litertlm_kv_cache_dtype; default LITERTLM_KV_CACHE_F32 */
  int32_t num_threads;     /* 0 (default) = the engine's */
  int32_t reserved;        /* must be 0 */
} litertlm_session_options;

LITERTLM_API void litertlm_session_options_init(litertlm_session_options* options);

/* A new conversation over `engine` (which it keeps alive). `options` may be NULL. On failure
 * *session is NULL. */
LITERTLM_API litertlm_status litertlm_session_create(const litertlm_engine* engine,
                                                     const litertlm_session_options* options,
                                                     litertlm_session** session);
LITERTLM_API void litertlm_session_destroy(litertlm_session* session);

typedef enum litertlm_role {
  LITERTLM_ROLE_SYSTEM = 0,
  LITERTLM_ROLE_USER = 1,
  LITERTLM_ROLE_ASSISTANT = 2,
  LITERTLM_ROLE_MAX_ENUM_ = 0x7fffffff
} litertlm_role;

/* Appends a message (NUL-terminated UTF-8, copied) to the history; nothing is computed until
 * generate. */
LITERTLM_API litertlm_status litertlm_session_add_message(litertlm_session* session,
                                                          litertlm_role role, const char* content);

/* Forgets the history and the KV cache. */
LITERTLM_API litertlm_status litertlm_session_clear(litertlm_session* session);

/* ---- generation ---- */

typedef struct litertlm_generate_options {
  size_t struct_size;   /* sizeof(litertlm_generate_options); set by litertlm_generate_options_init */
  int32_t max_tokens;   /* most tokens to generate; 0 (default) = the model's default, else until
                           the context is full */
  float temperature;    /* 0 = greedy; < 0 (default) = the model's */
  int32_t top_k;        /* 0 = no limit, 1 = greedy; < 0 (default) = the model's */
  float top_p;          /* in (0, 1]; < 0 (default) = the model's */
  int64_t seed;         /* random seed; < 0 (default) = the model's */
  /* Generation stops before any of these NUL-terminated strings (not part of the reply).
   * Default NULL / 0. */
  const char* const* stop_strings;
  size_t num_stop_strings;
  int32_t enable_thinking; /* Qwen3: 0 off, 1 on; < 0 (default) = the template's */
  int32_t reserved;        /* must be 0 */
} litertlm_generate_options;

LITERTLM_API void litertlm_generate_options_init(litertlm_generate_options* options);

/* Receives the reply as it is decoded: `text` holds `length` bytes of whole UTF-8 characters and
 * is NUL-terminated; it is owned by the library and valid only during the call. Return non-zero
 * to continue, 0 to stop (the reply then finishes with LITERTLM_FINISH_CANCELLED). Called on the
 * thread that called generate/complete; it may call litertlm_session_cancel but no other function
 * on the same session. */
typedef int (*litertlm_stream_callback)(const char* text, size_t length, void* user_data);

typedef enum litertlm_finish_reason {
  LITERTLM_FINISH_STOP = 0,         /* the model ended its turn (a stop token) */
  LITERTLM_FINISH_LENGTH = 1,       /* max_tokens reached */
  LITERTLM_FINISH_STOP_STRING = 2,  /* a stop string appeared */
  LITERTLM_FINISH_CANCELLED = 3,    /* litertlm_session_cancel or the callback returned 0 */
  LITERTLM_FINISH_CONTEXT_FULL = 4, /* the session's context limit was reached */
  LITERTLM_FINISH_MAX_ENUM_ = 0x7fffffff
} litertlm_finish_reason;

/* "stop", "length", "stop_string", "cancelled", "context_full"; "unknown" otherwise. Static. */
LITERTLM_API const char* litertlm_finish_reason_name(litertlm_finish_reason reason);

typedef struct litertlm_result litertlm_result;

/* Renders the history with the model's chat template, prefills what the KV cache does not hold
 * yet and generates the assistant's reply, which is appended to the history. `options` may be
 * NULL (the model's defaults), `on_text` may be NULL (no streaming; `user_data` is passed to it
 * untouched). `result` may be NULL; otherwise on success *result is a new handle (free with
 * litertlm_result_destroy) and on failure NULL. FAILED_PRECONDITION without a user message;
 * OUT_OF_RANGE when the prompt alone does not fit the context. */
LITERTLM_API litertlm_status litertlm_session_generate(litertlm_session* session,
                                                       const litertlm_generate_options* options,
                                                       litertlm_stream_callback on_text,
                                                       void* user_data, litertlm_result** result);

/* Raw completion without the chat template: appends `text` (NUL-terminated UTF-8) to the
 * session's context and continues it. The history is not changed. Arguments as for generate. */
LITERTLM_API litertlm_status litertlm_session_complete(litertlm_session* session, const char* text,
                                                       const litertlm_generate_options* options,
                                                       litertlm_stream_callback on_text,
                                                       void* user_data, litertlm_result** result);

/* Stops the generate/complete running on `session` within one decoding step; it then returns
 * LITERTLM_OK with LITERTLM_FINISH_CANCELLED and the session stays usable. Any thread, any time;
 * a call that has not started yet is not affected. Never fails. */
LITERTLM_API void litertlm_session_cancel(litertlm_session* session);

/* The reply's text (NUL-terminated); *length (if `length` is not NULL) gets its byte count.
 * Owned by `result`; valid until litertlm_result_destroy. "" for a NULL result. */
LITERTLM_API const char* litertlm_result_text(const litertlm_result* result, size_t* length);
LITERTLM_API litertlm_finish_reason litertlm_result_finish_reason(const litertlm_result* result);

typedef struct litertlm_generation_stats {
  size_t struct_size;            /* set by the caller: sizeof(litertlm_generation_stats) */
  int32_t prompt_tokens;         /* tokens of the rendered prompt */
  int32_t reused_tokens;         /* of those, already in the KV cache (not prefilled again) */
  int32_t generated_tokens;
  int32_t context_tokens;        /* tokens the session holds after the call */
  double prefill_seconds;
  double time_to_first_token_seconds;
  double decode_seconds;
  double prefill_tokens_per_second;
  double decode_tokens_per_second;
} litertlm_generation_stats;

/* Fills *stats up to stats->struct_size bytes (struct_size itself is left unchanged; bytes past
 * the fields this library knows are zeroed). INVALID_ARGUMENT when struct_size is smaller than
 * the first version of the struct. */
LITERTLM_API litertlm_status litertlm_result_stats(const litertlm_result* result,
                                                   litertlm_generation_stats* stats);

LITERTLM_API void litertlm_result_destroy(litertlm_result* result);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* LITERTLM_C_LITERTLM_H_ */
