/* The C ABI (litertlm/c/litertlm.h) exercised from C: this file is compiled as C11, not C++, so
 * the header must be valid C and everything it declares must link from a C program. Runs on the
 * tiny fixture checkpoint tests/golden/models/qwen3_gqa (random weights, real tokenizer and chat
 * template). Prints one line per failed check and exits non-zero when any failed. */
#define _POSIX_C_SOURCE 200809L /* strdup, nanosleep under -std=c11 */
#include <litertlm/c/litertlm.h>

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;
#define CHECK(cond)                                                               \
  do {                                                                            \
    if (!(cond)) {                                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: '%s')\n", __FILE__,   \
              __LINE__, #cond, litertlm_last_error());                            \
      ++failures;                                                                 \
    }                                                                             \
  } while (0)
#define CHECK_STATUS(expr, expected)                                                          \
  do {                                                                                        \
    litertlm_status status_ = (expr);                                                         \
    if (status_ != (expected)) {                                                              \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: '%s')\n", __FILE__,    \
              __LINE__, #expr, litertlm_status_name(status_), litertlm_status_name(expected), \
              litertlm_last_error());                                                         \
      ++failures;                                                                             \
    }                                                                                         \
  } while (0)

static char model_dir[4096];

/* ---- helpers ---- */

typedef struct {
  char text[8192];
  size_t length;
  int pieces;
  int stop_after; /* return 0 after this many pieces; 0 = never */
} collector;

static int collect(const char* text, size_t length, void* user_data) {
  collector* c = (collector*)user_data;
  if (strlen(text) != length) c->pieces = -1000000; /* not NUL-terminated where it says */
  if (c->length + length < sizeof(c->text)) {
    memcpy(c->text + c->length, text, length);
    c->length += length;
    c->text[c->length] = '\0';
  }
  ++c->pieces;
  return c->stop_after == 0 || c->pieces < c->stop_after;
}

static litertlm_generate_options greedy(int max_tokens) {
  litertlm_generate_options options;
  litertlm_generate_options_init(&options);
  options.temperature = 0.0f;
  options.max_tokens = max_tokens;
  return options;
}

static litertlm_engine* load_engine(void) {
  litertlm_engine* engine = NULL;
  CHECK_STATUS(litertlm_engine_create(model_dir, NULL, &engine), LITERTLM_OK);
  CHECK(engine != NULL);
  return engine;
}

static litertlm_session* new_session(const litertlm_engine* engine) {
  litertlm_session* session = NULL;
  CHECK_STATUS(litertlm_session_create(engine, NULL, &session), LITERTLM_OK);
  CHECK(session != NULL);
  return session;
}

/* One greedy chat turn on a fresh session: the reply's text (caller frees). */
static char* greedy_reply(const litertlm_engine* engine, const char* prompt, int max_tokens) {
  litertlm_session* session = new_session(engine);
  CHECK_STATUS(litertlm_session_add_message(session, LITERTLM_ROLE_USER, prompt), LITERTLM_OK);
  litertlm_generate_options options = greedy(max_tokens);
  litertlm_result* result = NULL;
  CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, &result), LITERTLM_OK);
  char* text = strdup(litertlm_result_text(result, NULL));
  litertlm_result_destroy(result);
  litertlm_session_destroy(session);
  return text;
}

/* ---- tests ---- */

static void test_version_and_names(void) {
  CHECK(strcmp(litertlm_version(), LITERTLM_VERSION_STRING) == 0);
  CHECK(strcmp(litertlm_status_name(LITERTLM_OK), "OK") == 0);
  CHECK(strcmp(litertlm_status_name(LITERTLM_INVALID_ARGUMENT), "INVALID_ARGUMENT") == 0);
  CHECK(strcmp(litertlm_status_name(LITERTLM_UNAUTHENTICATED), "UNAUTHENTICATED") == 0);
  CHECK(strcmp(litertlm_status_name((litertlm_status)99), "UNKNOWN") == 0);
  /* Numerically the abseil / litertlm::StatusCode values. */
  CHECK(LITERTLM_NOT_FOUND == 5 && LITERTLM_FAILED_PRECONDITION == 9 && LITERTLM_OUT_OF_RANGE == 11);
  CHECK(strcmp(litertlm_finish_reason_name(LITERTLM_FINISH_STOP), "stop") == 0);
  CHECK(strcmp(litertlm_finish_reason_name(LITERTLM_FINISH_LENGTH), "length") == 0);
  CHECK(strcmp(litertlm_finish_reason_name(LITERTLM_FINISH_STOP_STRING), "stop_string") == 0);
  CHECK(strcmp(litertlm_finish_reason_name(LITERTLM_FINISH_CANCELLED), "cancelled") == 0);
  CHECK(strcmp(litertlm_finish_reason_name(LITERTLM_FINISH_CONTEXT_FULL), "context_full") == 0);
  CHECK(strcmp(litertlm_finish_reason_name((litertlm_finish_reason)42), "unknown") == 0);
}

static void test_errors(void) {
  litertlm_engine* engine = (litertlm_engine*)&engine; /* must be reset to NULL */
  CHECK_STATUS(litertlm_engine_create("/nonexistent/model.litertlm", NULL, &engine), LITERTLM_NOT_FOUND);
  CHECK(engine == NULL);
  CHECK(strstr(litertlm_last_error(), "/nonexistent/model.litertlm") != NULL);
  CHECK_STATUS(litertlm_engine_create(NULL, NULL, &engine), LITERTLM_INVALID_ARGUMENT);
  CHECK(strstr(litertlm_last_error(), "path is NULL") != NULL);
  CHECK_STATUS(litertlm_engine_create(model_dir, NULL, NULL), LITERTLM_INVALID_ARGUMENT);
  CHECK_STATUS(litertlm_session_create(NULL, NULL, NULL), LITERTLM_INVALID_ARGUMENT);
  CHECK_STATUS(litertlm_session_add_message(NULL, LITERTLM_ROLE_USER, "x"), LITERTLM_INVALID_ARGUMENT);
  CHECK_STATUS(litertlm_session_generate(NULL, NULL, NULL, NULL, NULL), LITERTLM_INVALID_ARGUMENT);
  CHECK(strstr(litertlm_last_error(), "litertlm_session_generate: session is NULL") != NULL);
  CHECK_STATUS(litertlm_result_stats(NULL, NULL), LITERTLM_INVALID_ARGUMENT);
  /* A success clears the thread's last error. */
  CHECK(strcmp(litertlm_status_name(LITERTLM_OK), "OK") == 0); /* no status: leaves it alone */
  CHECK(litertlm_last_error()[0] != '\0');
  litertlm_engine_options options;
  litertlm_engine_options_init(&options);
  options.num_threads = 1;
  CHECK_STATUS(litertlm_engine_create(model_dir, &options, &engine), LITERTLM_OK);
  CHECK(strcmp(litertlm_last_error(), "") == 0);
  /* NULL handles are accepted by destroy / cancel / the result accessors. */
  litertlm_engine_destroy(NULL);
  litertlm_session_destroy(NULL);
  litertlm_result_destroy(NULL);
  litertlm_session_cancel(NULL);
  CHECK(strcmp(litertlm_result_text(NULL, NULL), "") == 0);
  litertlm_engine_destroy(engine);
}

/* A struct from a newer header (a larger struct_size): zero extra bytes are fine, non-zero ones
 * (fields this library does not know) are refused; a struct_size of 0 (no _init) is refused. */
static void test_extensible_options(void) {
  struct {
    litertlm_engine_options known;
    int32_t future_field;
    int32_t future_padding;
  } newer;
  memset(&newer, 0, sizeof(newer));
  litertlm_engine_options_init(&newer.known);
  newer.known.struct_size = sizeof(newer);
  litertlm_engine* engine = NULL;
  CHECK_STATUS(litertlm_engine_create(model_dir, &newer.known, &engine), LITERTLM_OK);
  litertlm_engine_destroy(engine);
  newer.future_field = 1;
  CHECK_STATUS(litertlm_engine_create(model_dir, &newer.known, &engine), LITERTLM_INVALID_ARGUMENT);
  CHECK(strstr(litertlm_last_error(), "newer library") != NULL);
  CHECK(engine == NULL);

  litertlm_engine_options zeroed;
  memset(&zeroed, 0, sizeof(zeroed));
  CHECK_STATUS(litertlm_engine_create(model_dir, &zeroed, &engine), LITERTLM_INVALID_ARGUMENT);
  CHECK(strstr(litertlm_last_error(), "litertlm_engine_options.struct_size is 0") != NULL);
  CHECK(strstr(litertlm_last_error(), "litertlm_engine_options_init") != NULL);

  engine = load_engine();
  litertlm_session_options session_options;
  litertlm_session_options_init(&session_options);
  session_options.kv_cache_dtype = 7;
  litertlm_session* session = NULL;
  CHECK_STATUS(litertlm_session_create(engine, &session_options, &session), LITERTLM_INVALID_ARGUMENT);
  CHECK(strstr(litertlm_last_error(), "kv_cache_dtype") != NULL);
  CHECK(session == NULL);
  session_options.kv_cache_dtype = LITERTLM_KV_CACHE_F16;
  CHECK_STATUS(litertlm_session_create(engine, &session_options, &session), LITERTLM_OK);
  litertlm_session_destroy(session);

  session = new_session(engine);
  CHECK_STATUS(litertlm_session_add_message(session, LITERTLM_ROLE_USER, "Hi"), LITERTLM_OK);
  CHECK_STATUS(litertlm_session_add_message(session, (litertlm_role)5, "Hi"), LITERTLM_INVALID_ARGUMENT);
  litertlm_generate_options options = greedy(4);
  options.top_p = 0.0f;
  CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, NULL), LITERTLM_INVALID_ARGUMENT);
  CHECK(strstr(litertlm_last_error(), "litertlm_generate_options.top_p") != NULL);
  options = greedy(4);
  options.temperature = NAN;
  CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, NULL), LITERTLM_INVALID_ARGUMENT);
  options = greedy(4);
  options.num_stop_strings = 2;
  CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, NULL), LITERTLM_INVALID_ARGUMENT);
  CHECK(strstr(litertlm_last_error(), "stop_strings is NULL") != NULL);
  options = greedy(-1);
  CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, NULL), LITERTLM_INVALID_ARGUMENT);
  litertlm_session_destroy(session);
  litertlm_engine_destroy(engine);
}

static void test_generate(void) {
  litertlm_engine* engine = load_engine();
  litertlm_session* session = new_session(engine);
  /* No user message yet. */
  litertlm_result* result = (litertlm_result*)&result;
  CHECK_STATUS(litertlm_session_generate(session, NULL, NULL, NULL, &result), LITERTLM_FAILED_PRECONDITION);
  CHECK(result == NULL);

  CHECK_STATUS(litertlm_session_add_message(session, LITERTLM_ROLE_SYSTEM, "Be brief."), LITERTLM_OK);
  CHECK_STATUS(litertlm_session_add_message(session, LITERTLM_ROLE_USER, "Hello there"), LITERTLM_OK);
  collector streamed;
  memset(&streamed, 0, sizeof(streamed));
  litertlm_generate_options options = greedy(8);
  CHECK_STATUS(litertlm_session_generate(session, &options, collect, &streamed, &result), LITERTLM_OK);
  size_t length = 0;
  const char* text = litertlm_result_text(result, &length);
  CHECK(length == strlen(text) && length > 0);
  CHECK(streamed.pieces > 0);
  CHECK(strcmp(streamed.text, text) == 0); /* the streamed pieces are the reply */
  const litertlm_finish_reason finish = litertlm_result_finish_reason(result);
  CHECK(finish == LITERTLM_FINISH_LENGTH || finish == LITERTLM_FINISH_STOP);
  litertlm_generation_stats stats;
  stats.struct_size = sizeof(stats);
  CHECK_STATUS(litertlm_result_stats(result, &stats), LITERTLM_OK);
  CHECK(stats.struct_size == sizeof(stats));
  CHECK(stats.prompt_tokens > 4 && stats.reused_tokens == 0);
  CHECK(stats.generated_tokens >= 1 && stats.generated_tokens <= 8);
  CHECK(finish != LITERTLM_FINISH_LENGTH || stats.generated_tokens == 8);
  CHECK(stats.context_tokens >= stats.prompt_tokens);
  CHECK(stats.prefill_seconds >= 0 && stats.decode_seconds >= 0);
  const int first_context = stats.context_tokens;

  /* The same prompt on a fresh session of the same engine: the same greedy reply. */
  char* with_system = NULL;
  {
    litertlm_session* s2 = new_session(engine);
    litertlm_session_add_message(s2, LITERTLM_ROLE_SYSTEM, "Be brief.");
    litertlm_session_add_message(s2, LITERTLM_ROLE_USER, "Hello there");
    litertlm_result* r2 = NULL;
    CHECK_STATUS(litertlm_session_generate(s2, &options, NULL, NULL, &r2), LITERTLM_OK);
    with_system = strdup(litertlm_result_text(r2, NULL));
    litertlm_result_destroy(r2);
    litertlm_session_destroy(s2);
  }
  CHECK(strcmp(with_system, text) == 0);
  free(with_system);

  /* A larger stats struct (a newer header): the bytes past this library's fields are zeroed. */
  struct {
    litertlm_generation_stats known;
    double future[2];
  } bigger;
  memset(&bigger, 0xff, sizeof(bigger));
  bigger.known.struct_size = sizeof(bigger);
  CHECK_STATUS(litertlm_result_stats(result, &bigger.known), LITERTLM_OK);
  CHECK(bigger.known.struct_size == sizeof(bigger) && bigger.future[0] == 0 && bigger.future[1] == 0);
  CHECK(bigger.known.generated_tokens == stats.generated_tokens);
  bigger.known.struct_size = 8;
  CHECK_STATUS(litertlm_result_stats(result, &bigger.known), LITERTLM_INVALID_ARGUMENT);
  litertlm_result_destroy(result);

  /* A second turn reuses the first turn's KV cache. The engine handle may go first. */
  litertlm_engine_destroy(engine);
  CHECK_STATUS(litertlm_session_add_message(session, LITERTLM_ROLE_USER, "And then?"), LITERTLM_OK);
  CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, &result), LITERTLM_OK);
  CHECK_STATUS(litertlm_result_stats(result, &stats), LITERTLM_OK);
  CHECK(stats.reused_tokens > 0 && stats.reused_tokens <= first_context);
  litertlm_result_destroy(result);

  /* clear: history and cache gone, so generate needs a user message again. */
  CHECK_STATUS(litertlm_session_clear(session), LITERTLM_OK);
  CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, NULL), LITERTLM_FAILED_PRECONDITION);
  litertlm_session_destroy(session);
}

static void test_stop_string_and_callback_stop(void) {
  litertlm_engine* engine = load_engine();
  char* full = greedy_reply(engine, "Tell me a story", 16);
  size_t n = strlen(full);
  CHECK(n >= 4);
  if (n >= 4) {
    /* A stop string taken from the middle of the greedy reply: the reply ends before its first
     * occurrence. */
    char stop[3] = {full[n / 2], full[n / 2 + 1], '\0'};
    const size_t cut = (size_t)(strstr(full, stop) - full);
    const char* stops[] = {"never appears \x01", stop};
    litertlm_generate_options options = greedy(16);
    options.stop_strings = stops;
    options.num_stop_strings = 2;
    litertlm_session* session = new_session(engine);
    litertlm_session_add_message(session, LITERTLM_ROLE_USER, "Tell me a story");
    litertlm_result* result = NULL;
    CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, &result), LITERTLM_OK);
    CHECK(litertlm_result_finish_reason(result) == LITERTLM_FINISH_STOP_STRING);
    CHECK(strlen(litertlm_result_text(result, NULL)) == cut);
    CHECK(strncmp(litertlm_result_text(result, NULL), full, cut) == 0);
    litertlm_result_destroy(result);
    litertlm_session_destroy(session);
  }
  /* The callback returning 0 stops the reply: finish "cancelled", status OK. */
  litertlm_session* session = new_session(engine);
  litertlm_session_add_message(session, LITERTLM_ROLE_USER, "Tell me a story");
  collector streamed;
  memset(&streamed, 0, sizeof(streamed));
  streamed.stop_after = 1;
  litertlm_generate_options options = greedy(16);
  litertlm_result* result = NULL;
  CHECK_STATUS(litertlm_session_generate(session, &options, collect, &streamed, &result), LITERTLM_OK);
  CHECK(litertlm_result_finish_reason(result) == LITERTLM_FINISH_CANCELLED);
  CHECK(streamed.pieces == 1);
  CHECK(strncmp(full, litertlm_result_text(result, NULL), strlen(litertlm_result_text(result, NULL))) == 0);
  litertlm_result_destroy(result);
  litertlm_session_destroy(session);
  free(full);
  litertlm_engine_destroy(engine);
}

/* ---- cancel from another thread ---- */

typedef struct {
  litertlm_session* session;
  atomic_int first_piece_seen;
  atomic_int cancel_sent;
  litertlm_status status;
  litertlm_result* result;
} cancel_state;

/* Blocks generation at its first piece until the main thread has called cancel. */
static int wait_for_cancel(const char* text, size_t length, void* user_data) {
  (void)text;
  (void)length;
  cancel_state* state = (cancel_state*)user_data;
  atomic_store(&state->first_piece_seen, 1);
  const struct timespec pause = {0, 1000000};
  while (!atomic_load(&state->cancel_sent)) nanosleep(&pause, NULL);
  return 1; /* keep going: only the cancel may stop it */
}

static void* generate_thread(void* arg) {
  cancel_state* state = (cancel_state*)arg;
  litertlm_generate_options options = greedy(64);
  litertlm_session* session = state->session;
  state->status = litertlm_session_complete(session, "Once upon a time", &options, wait_for_cancel,
                                            state, &state->result);
  return NULL;
}

static void test_cancel_from_another_thread(void) {
  litertlm_engine* engine = load_engine();
  cancel_state state;
  memset(&state, 0, sizeof(state));
  state.session = new_session(engine);
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, generate_thread, &state) == 0);
  const struct timespec pause = {0, 1000000};
  while (!atomic_load(&state.first_piece_seen)) nanosleep(&pause, NULL);
  litertlm_session_cancel(state.session);
  atomic_store(&state.cancel_sent, 1);
  pthread_join(thread, NULL);
  CHECK(state.status == LITERTLM_OK);
  CHECK(litertlm_result_finish_reason(state.result) == LITERTLM_FINISH_CANCELLED);
  litertlm_generation_stats stats;
  stats.struct_size = sizeof(stats);
  CHECK_STATUS(litertlm_result_stats(state.result, &stats), LITERTLM_OK);
  CHECK(stats.generated_tokens >= 1 && stats.generated_tokens < 64);
  litertlm_result_destroy(state.result);

  /* The session stays usable: a cancel before a call does not affect it. */
  litertlm_session_cancel(state.session);
  litertlm_generate_options options = greedy(3);
  litertlm_result* result = NULL;
  CHECK_STATUS(litertlm_session_complete(state.session, " and", &options, NULL, NULL, &result), LITERTLM_OK);
  CHECK(litertlm_result_finish_reason(result) != LITERTLM_FINISH_CANCELLED);
  litertlm_result_destroy(result);
  litertlm_session_destroy(state.session);
  litertlm_engine_destroy(engine);
}

/* The last error is per thread: a failure on one thread leaves another thread's message alone. */
static void* failing_thread(void* arg) {
  litertlm_engine* engine = NULL;
  litertlm_status* status = (litertlm_status*)arg;
  *status = litertlm_engine_create("/nonexistent/other-thread", NULL, &engine);
  return strstr(litertlm_last_error(), "/nonexistent/other-thread") != NULL ? arg : NULL;
}

static void test_last_error_is_per_thread(void) {
  litertlm_engine* engine = NULL;
  CHECK_STATUS(litertlm_engine_create(NULL, NULL, &engine), LITERTLM_INVALID_ARGUMENT);
  litertlm_status status = LITERTLM_OK;
  pthread_t thread;
  void* thread_saw_its_message = NULL;
  CHECK(pthread_create(&thread, NULL, failing_thread, &status) == 0);
  pthread_join(thread, &thread_saw_its_message);
  CHECK(status == LITERTLM_NOT_FOUND && thread_saw_its_message != NULL);
  CHECK(strstr(litertlm_last_error(), "path is NULL") != NULL);
}

static void test_complete_and_limits(void) {
  litertlm_engine* engine = load_engine();
  /* Raw completion is deterministic under greedy decoding and leaves no history behind. */
  char* texts[2];
  for (int i = 0; i < 2; ++i) {
    litertlm_session* session = new_session(engine);
    litertlm_generate_options options = greedy(6);
    litertlm_result* result = NULL;
    CHECK_STATUS(litertlm_session_complete(session, "Once upon a time", &options, NULL, NULL, &result), LITERTLM_OK);
    texts[i] = strdup(litertlm_result_text(result, NULL));
    CHECK_STATUS(litertlm_session_generate(session, &options, NULL, NULL, NULL), LITERTLM_FAILED_PRECONDITION);
    CHECK_STATUS(litertlm_session_complete(session, NULL, &options, NULL, NULL, NULL), LITERTLM_INVALID_ARGUMENT);
    litertlm_result_destroy(result);
    litertlm_session_destroy(session);
  }
  CHECK(strcmp(texts[0], texts[1]) == 0);
  free(texts[0]);
  free(texts[1]);

  /* Seeded sampling is reproducible. */
  char* sampled[2];
  for (int i = 0; i < 2; ++i) {
    litertlm_session* session = new_session(engine);
    litertlm_generate_options options;
    litertlm_generate_options_init(&options);
    options.temperature = 1.0f;
    options.top_k = 0;
    options.top_p = 1.0f;
    options.seed = 12345;
    options.max_tokens = 12;
    litertlm_result* result = NULL;
    CHECK_STATUS(litertlm_session_complete(session, "Once", &options, NULL, NULL, &result), LITERTLM_OK);
    sampled[i] = strdup(litertlm_result_text(result, NULL));
    litertlm_result_destroy(result);
    litertlm_session_destroy(session);
  }
  CHECK(strcmp(sampled[0], sampled[1]) == 0);
  free(sampled[0]);
  free(sampled[1]);

  /* A prompt longer than the session's context: OUT_OF_RANGE, naming the limit. */
  litertlm_session_options session_options;
  litertlm_session_options_init(&session_options);
  session_options.max_context = 8;
  litertlm_session* small = NULL;
  CHECK_STATUS(litertlm_session_create(engine, &session_options, &small), LITERTLM_OK);
  litertlm_session_add_message(small, LITERTLM_ROLE_USER, "a long question that needs many more than eight tokens");
  CHECK_STATUS(litertlm_session_generate(small, NULL, NULL, NULL, NULL), LITERTLM_OUT_OF_RANGE);
  CHECK(strstr(litertlm_last_error(), "at most 8") != NULL);
  litertlm_session_destroy(small);
  litertlm_engine_destroy(engine);
}

int main(void) {
  const char* golden = getenv("LITERTLM_GOLDEN_DIR");
  snprintf(model_dir, sizeof(model_dir), "%s/models/qwen3_gqa",
           golden != NULL ? golden : LITERTLM_GOLDEN_DIR_DEFAULT);
  test_version_and_names();
  test_errors();
  test_extensible_options();
  test_generate();
  test_stop_string_and_callback_stop();
  test_cancel_from_another_thread();
  test_last_error_is_per_thread();
  test_complete_and_limits();
  if (failures != 0) {
    fprintf(stderr, "c_api_test: %d check(s) failed\n", failures);
    return 1;
  }
  printf("c_api_test: all checks passed\n");
  return 0;
}
