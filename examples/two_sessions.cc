// two_sessions: two conversations running at the same time on two threads, sharing one Engine.
// The Engine (weights, tokenizer) is loaded once and is read-only, so any number of sessions on
// any number of threads may use it; each Session must stay on one thread at a time.
//
//   example_two_sessions MODEL [MAX_TOKENS]
#include <litertlm/litertlm.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

namespace {

// One conversation: its own Session over the shared engine. Writes the answer into `*answer`.
void Converse(std::shared_ptr<const litertlm::Engine> engine, std::string question, int max_tokens,
              std::string* answer) {
  auto session = litertlm::Session::Create(engine);
  if (!session.ok()) {
    *answer = "error: " + session.status().ToString();
    return;
  }
  (*session)->AddMessage(litertlm::Role::kUser, std::move(question));
  litertlm::GenerateOptions options;
  options.max_tokens = max_tokens;
  auto reply = (*session)->Generate(options);
  *answer = reply.ok() ? reply->text : "error: " + reply.status().ToString();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL [MAX_TOKENS]\n", argv[0]);
    return 2;
  }
  auto engine = litertlm::Engine::Create(argv[1]);  // loaded once
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  const int max_tokens = argc > 2 ? std::atoi(argv[2]) : 128;

  std::string first, second;
  std::thread a(Converse, *engine, "What is the capital of France?", max_tokens, &first);
  std::thread b(Converse, *engine, "Name three colours.", max_tokens, &second);
  a.join();
  b.join();

  std::printf("session 1: %s\nsession 2: %s\n", first.c_str(), second.c_str());
  return first.rfind("error: ", 0) == 0 || second.rfind("error: ", 0) == 0 ? 1 : 0;
}
