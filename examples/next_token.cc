// next_token: load a model, run a prompt given as token ids, print the most likely next token.
//
//   example_next_token /path/to/checkpoint 1 2 3
#include <litertlm/litertlm.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL_DIR TOKEN_ID...\n", argv[0]);
    return 2;
  }
  auto model = litertlm::ModelLoader::Load(argv[1]);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  std::vector<litertlm::TokenId> prompt;
  for (int i = 2; i < argc; ++i) prompt.push_back(std::atoi(argv[i]));

  auto session = litertlm::Session::Create(*model);
  if (!session.ok()) {
    std::fprintf(stderr, "%s\n", session.status().ToString().c_str());
    return 1;
  }
  if (auto s = (*session)->Prefill(prompt); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  auto logits = (*session)->LastLogits();
  auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
  std::printf("next token: %ld (logit %.4f), liblitertlm %s\n", static_cast<long>(best),
              logits[best], litertlm::Version());
  return 0;
}
