/* c_generate: one-shot generation through the C ABI (litertlm/c/litertlm.h), in plain C.
 * Streams the answer as it is decoded.
 *
 *   example_c_generate MODEL PROMPT [MAX_TOKENS]
 *
 * Build against the installed library:
 *   cc -std=c11 c_generate.c $(pkg-config --cflags --libs litertlm-c)
 */
#include <litertlm/c/litertlm.h>

#include <stdio.h>
#include <stdlib.h>

/* Called with each decoded piece (whole UTF-8 characters); return 0 to stop. */
static int print_piece(const char* text, size_t length, void* user_data) {
  (void)user_data;
  fwrite(text, 1, length, stdout);
  fflush(stdout);
  return 1;
}

static int fail(const char* what, litertlm_status status) {
  fprintf(stderr, "%s: %s: %s\n", what, litertlm_status_name(status), litertlm_last_error());
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL PROMPT [MAX_TOKENS]\n", argv[0]);
    return 2;
  }
  /* 1. The engine: weights, tokenizer, chat template and the model's defaults. */
  litertlm_engine* engine = NULL;
  litertlm_status status = litertlm_engine_create(argv[1], NULL, &engine);
  if (status != LITERTLM_OK) return fail("engine", status);

  /* 2. A session (one conversation) and the user's message. */
  litertlm_session* session = NULL;
  status = litertlm_session_create(engine, NULL, &session);
  if (status == LITERTLM_OK) status = litertlm_session_add_message(session, LITERTLM_ROLE_USER, argv[2]);

  /* 3. Generate with the model's defaults, capping the answer's length. */
  litertlm_result* result = NULL;
  if (status == LITERTLM_OK) {
    litertlm_generate_options options;
    litertlm_generate_options_init(&options);
    options.max_tokens = argc > 3 ? atoi(argv[3]) : 256;
    status = litertlm_session_generate(session, &options, print_piece, NULL, &result);
  }
  int exit_code = 0;
  if (status != LITERTLM_OK) {
    exit_code = fail("generate", status);
  } else {
    /* 4. Why it stopped, and how many tokens it took. */
    litertlm_generation_stats stats;
    stats.struct_size = sizeof(stats);
    litertlm_result_stats(result, &stats);
    printf("\n");
    fprintf(stderr, "[%d tokens, finish: %s]\n", stats.generated_tokens,
            litertlm_finish_reason_name(litertlm_result_finish_reason(result)));
  }
  litertlm_result_destroy(result); /* every destroy accepts NULL */
  litertlm_session_destroy(session);
  litertlm_engine_destroy(engine);
  return exit_code;
}
