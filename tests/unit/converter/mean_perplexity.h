// The perplexity of a model over several prompts together (exp of the mean NLL of all scored
// tokens), for the converter's round-trip tests.
#ifndef LITERTLM_TESTS_UNIT_CONVERTER_MEAN_PERPLEXITY_H_
#define LITERTLM_TESTS_UNIT_CONVERTER_MEAN_PERPLEXITY_H_

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "litertlm/model.h"
#include "litertlm/session.h"

namespace litertlm::testing {

inline double MeanPerplexity(const std::shared_ptr<const Model>& model,
                             const std::vector<std::vector<TokenId>>& prompts) {
  double nll = 0;
  size_t n = 0;
  for (const auto& p : prompts) {
    auto r = ComputePerplexity(model, p);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return 0;
    for (double v : r->nll) nll += v;
    n += r->nll.size();
  }
  return std::exp(nll / static_cast<double>(n));
}

}  // namespace litertlm::testing

#endif  // LITERTLM_TESTS_UNIT_CONVERTER_MEAN_PERPLEXITY_H_
