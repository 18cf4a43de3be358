// Sampler: option validation, greedy rules, determinism, and statistical agreement with an
// independent reference of the filtered, renormalised distribution.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <vector>

#include "litertlm/sampler.h"
#include "sampling/rng.h"
#include "sampling/sampler_impl.h"

namespace litertlm {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

std::unique_ptr<Sampler> Make(float temperature, int top_k, float top_p, uint64_t seed = 7) {
  SamplerOptions o;
  o.temperature = temperature;
  o.top_k = top_k;
  o.top_p = top_p;
  o.seed = seed;
  auto s = Sampler::Create(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

// Approximately normal logits (sum of uniforms) from our own generator.
std::vector<float> RandomLogits(size_t n, uint64_t seed, float scale) {
  Xoshiro256StarStar r(seed);
  std::vector<float> v(n);
  for (float& x : v) {
    double s = 0;
    for (int i = 0; i < 4; ++i) s += r.NextDouble();
    x = static_cast<float>((s - 2.0) * scale);
  }
  return v;
}

// Reference: full sort (logit desc, id asc), softmax(logit / T) in double, keep top k, then the
// smallest prefix with mass >= p, renormalise. Returns id → probability.
std::map<int, double> Reference(const std::vector<float>& logits, float t, int k, float p) {
  std::vector<int> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  if (k > 0 && static_cast<size_t>(k) < order.size()) order.resize(k);
  std::vector<double> w;
  for (int id : order) w.push_back(std::exp((double(logits[id]) - logits[order[0]]) / t));
  double total = std::accumulate(w.begin(), w.end(), 0.0);
  size_t keep = w.size();
  double acc = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    acc += w[i] / total;
    if (acc >= p) {
      keep = i + 1;
      break;
    }
  }
  double kept = std::accumulate(w.begin(), w.begin() + keep, 0.0);
  std::map<int, double> dist;
  for (size_t i = 0; i < keep; ++i) dist[order[i]] = w[i] / kept;
  return dist;
}

// Draws `n` samples and checks every id is in the reference support and each frequency is within
// 5 standard errors (+1e-4) of its reference probability.
void ExpectMatchesReference(const std::vector<float>& logits, float t, int k, float p, int n) {
  std::map<int, double> ref = Reference(logits, t, k, p);
  auto sampler = Make(t, k, p, 12345);
  std::map<int, int> counts;
  for (int i = 0; i < n; ++i) {
    TokenId id = sampler->Sample(logits);
    ASSERT_TRUE(ref.count(id)) << "id " << id << " outside the filtered support (T=" << t
                               << " k=" << k << " p=" << p << ")";
    ++counts[id];
  }
  for (const auto& [id, prob] : ref) {
    double freq = static_cast<double>(counts[id]) / n;
    double tol = 5 * std::sqrt(prob * (1 - prob) / n) + 1e-4;
    EXPECT_NEAR(freq, prob, tol) << "id " << id << " T=" << t << " k=" << k << " p=" << p;
  }
}

TEST(SamplerOptionsTest, InvalidOptionsNameTheField) {
  struct Bad {
    float t;
    int k;
    float p;
    const char* field;
  };
  for (const Bad& b : {Bad{-0.5f, 0, 1, "temperature"}, Bad{kNaN, 0, 1, "temperature"},
                       Bad{kInf, 0, 1, "temperature"}, Bad{1, 0, 0, "top_p"},
                       Bad{1, 0, -0.1f, "top_p"}, Bad{1, 0, 1.5f, "top_p"},
                       Bad{1, 0, kNaN, "top_p"}, Bad{1, -1, 1, "top_k"}}) {
    SamplerOptions o;
    o.temperature = b.t;
    o.top_k = b.k;
    o.top_p = b.p;
    auto s = Sampler::Create(o);
    ASSERT_FALSE(s.ok()) << b.field;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find(std::string("SamplerOptions.") + b.field),
              std::string::npos)
        << s.status().message();
  }
  SamplerOptions edge;
  edge.temperature = 0;
  edge.top_p = 1;
  edge.top_k = 0;
  EXPECT_TRUE(Sampler::Create(edge).ok());
}

TEST(SamplerTest, GreedyIsArgmaxWithLowestIndexOnTies) {
  std::vector<float> logits = {0.5f, 3.0f, -1.0f, 3.0f, kNaN, 2.9f};
  for (auto& s : {Make(0.0f, 0, 1.0f), Make(1.0f, 1, 1.0f), Make(0.0f, 5, 0.3f)}) {
    EXPECT_TRUE(s->is_greedy());
    for (int i = 0; i < 10; ++i) EXPECT_EQ(s->Sample(logits), 1);
  }
  EXPECT_FALSE(Make(0.7f, 2, 1.0f)->is_greedy());
  EXPECT_EQ(ArgMax(std::vector<float>{kNaN, 1.0f, kNaN}), 1);
  EXPECT_EQ(ArgMax(std::vector<float>{kNaN, kNaN}), 0);
  EXPECT_EQ(ArgMax(std::vector<float>{-kInf, -kInf, -kInf}), 0);
}

TEST(SamplerTest, DegenerateLogits) {
  auto s = Make(1.0f, 0, 1.0f);
  EXPECT_EQ(s->Sample({}), -1);
  std::vector<float> nan(8, kNaN);
  EXPECT_EQ(s->Sample(nan), 0);
  std::vector<float> ninf(8, -kInf);
  EXPECT_EQ(s->Sample(ninf), 0);
  std::vector<float> one_inf = {1, 2, kInf, 3};
  EXPECT_EQ(s->Sample(one_inf), 2);
  // -inf and NaN entries are never drawn.
  std::vector<float> masked = {-kInf, 0.0f, kNaN, 0.0f, -kInf};
  auto topk = Make(1.0f, 3, 1.0f);
  auto topp = Make(1.0f, 0, 0.99f);
  for (int i = 0; i < 2000; ++i) {
    for (Sampler* x : {s.get(), topk.get(), topp.get()}) {
      TokenId id = x->Sample(masked);
      ASSERT_TRUE(id == 1 || id == 3) << id;
    }
  }
}

TEST(SamplerTest, SameSeedSameTokensDifferentSeedDifferentTokens) {
  std::vector<float> logits = RandomLogits(5000, 3, 2.0f);
  auto a = Make(0.8f, 40, 0.95f, 99);
  auto b = Make(0.8f, 40, 0.95f, 99);
  auto c = Make(0.8f, 40, 0.95f, 100);
  std::vector<TokenId> sa, sb, sc;
  for (int i = 0; i < 1000; ++i) {
    sa.push_back(a->Sample(logits));
    sb.push_back(b->Sample(logits));
    sc.push_back(c->Sample(logits));
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
  a->Reseed(99);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a->Sample(logits), sa[i]);
}

TEST(SamplerTest, FrequenciesMatchFilteredDistribution) {
  std::vector<float> logits = RandomLogits(50, 11, 1.5f);
  const int n = 200000;
  ExpectMatchesReference(logits, 1.0f, 0, 1.0f, n);    // plain softmax
  ExpectMatchesReference(logits, 0.7f, 10, 1.0f, n);   // temperature + top-k
  ExpectMatchesReference(logits, 1.3f, 0, 0.8f, n);    // temperature + top-p
  ExpectMatchesReference(logits, 1.0f, 20, 0.9f, n);   // top-k then top-p
  ExpectMatchesReference(logits, 2.0f, 49, 0.97f, n);
}

TEST(SamplerTest, TemperatureScaling) {
  std::vector<float> logits = {0.0f, 1.0f};
  const int n = 200000;
  for (float t : {0.5f, 1.0f, 2.0f}) {
    double expected = 1.0 / (1.0 + std::exp(-1.0 / t));  // P(id 1) = e^(1/T) / (1 + e^(1/T))
    auto s = Make(t, 0, 1.0f, 5);
    int ones = 0;
    for (int i = 0; i < n; ++i) ones += s->Sample(logits);
    EXPECT_NEAR(static_cast<double>(ones) / n, expected,
                5 * std::sqrt(expected * (1 - expected) / n))
        << "T=" << t;
  }
}

TEST(SamplerTest, TopKNeverReturnsOutsideTopK) {
  std::vector<float> logits = RandomLogits(262144, 21, 3.0f);
  std::vector<int> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + 40, order.end(), [&](int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::set<int> top40(order.begin(), order.begin() + 40);
  auto s = Make(5.0f, 40, 1.0f);  // high temperature: the tail of the 40 gets drawn too
  std::set<int> seen;
  for (int i = 0; i < 2000; ++i) {
    TokenId id = s->Sample(logits);
    ASSERT_TRUE(top40.count(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 40u);
}

TEST(SamplerTest, SelectTopKMatchesFullSortIncludingTies) {
  std::vector<float> logits = RandomLogits(20000, 8, 1.0f);
  for (size_t i = 0; i < logits.size(); i += 7) logits[i] = 1.25f;  // many exact ties
  std::vector<int> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  for (int k : {1, 2, 40, 300, 1000, 20000, 30000}) {
    std::vector<Candidate> got;
    SelectTopK(logits, k, &got);
    ASSERT_EQ(got.size(), std::min<size_t>(k, logits.size())) << k;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].id, order[i]) << "k=" << k;
  }
}

TEST(SamplerTest, TopPKeepsSmallestSetAndLowerIdsOnTies) {
  const int n = 40000;
  // Four equal tokens (0.25 each): p = 0.5 keeps exactly ids {0, 1}; p = 0.6 keeps {0, 1, 2}.
  std::vector<float> flat = {0, 0, 0, 0};
  for (auto [p, keep] : {std::pair{0.5f, 2}, std::pair{0.6f, 3}, std::pair{0.2f, 1}}) {
    auto s = Make(1.0f, 0, p);
    std::map<int, int> counts;
    for (int i = 0; i < n; ++i) ++counts[s->Sample(flat)];
    EXPECT_EQ(static_cast<int>(counts.size()), keep) << "p=" << p;
    for (const auto& [id, c] : counts) {
      EXPECT_LT(id, keep);
      EXPECT_NEAR(static_cast<double>(c) / n, 1.0 / keep, 0.02);
    }
  }
  // Probabilities 0.5 / 0.3 / 0.2 (ids 2, 0, 1): p = 0.45 → {2}; p = 0.79 → {2, 0}; p = 0.81 → all.
  std::vector<float> skew = {std::log(0.3f), std::log(0.2f), std::log(0.5f)};
  for (auto [p, expected] : {std::pair{0.45f, std::set<int>{2}},
                             std::pair{0.79f, std::set<int>{0, 2}},
                             std::pair{0.81f, std::set<int>{0, 1, 2}}}) {
    for (int k : {0, 3}) {  // full-vocabulary and top-k code paths
      auto s = Make(1.0f, k, p);
      std::set<int> seen;
      for (int i = 0; i < 5000; ++i) seen.insert(s->Sample(skew));
      EXPECT_EQ(seen, expected) << "p=" << p << " k=" << k;
    }
  }
}

TEST(SamplerTest, FullVocabularyNucleusNeedingManyCandidates) {
  // Flat-ish logits: the 0.7 nucleus holds thousands of ids, so the sorted prefix must grow
  // (64 → 512 → 4096 → ...). Check exact support and the mass of ten rank buckets.
  std::vector<float> logits = RandomLogits(6000, 4, 0.5f);
  std::map<int, double> ref = Reference(logits, 1.0f, 0, 0.7f);
  ASSERT_GT(ref.size(), 600u);
  std::vector<std::pair<float, int>> ranked;
  for (const auto& [id, prob] : ref) ranked.push_back({logits[id], id});
  std::sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::map<int, int> bucket_of;
  std::vector<double> bucket_prob(10, 0.0);
  for (size_t r = 0; r < ranked.size(); ++r) {
    int b = static_cast<int>(r * 10 / ranked.size());
    bucket_of[ranked[r].second] = b;
    bucket_prob[b] += ref[ranked[r].second];
  }
  auto s = Make(1.0f, 0, 0.7f, 77);
  const int n = 30000;
  std::vector<int> bucket_count(10, 0);
  for (int i = 0; i < n; ++i) {
    TokenId id = s->Sample(logits);
    ASSERT_TRUE(ref.count(id)) << "id " << id << " outside the nucleus";
    ++bucket_count[bucket_of[id]];
  }
  for (int b = 0; b < 10; ++b) {
    double p = bucket_prob[b];
    EXPECT_NEAR(static_cast<double>(bucket_count[b]) / n, p, 5 * std::sqrt(p * (1 - p) / n))
        << "bucket " << b;
  }
}

TEST(SamplerDefaultsTest, PerFamily) {
  auto q = DefaultSamplerOptions("Qwen3ForCausalLM");
  ASSERT_TRUE(q.has_value());
  EXPECT_FLOAT_EQ(q->temperature, 0.6f);
  EXPECT_EQ(q->top_k, 20);
  EXPECT_FLOAT_EQ(q->top_p, 0.95f);
  auto g = DefaultSamplerOptions("Gemma3ForCausalLM");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->top_k, 1);
  EXPECT_FALSE(DefaultSamplerOptions("MistralForCausalLM").has_value());
  auto l = DefaultSamplerOptions("LlamaForCausalLM");
  ASSERT_TRUE(l.has_value());
  EXPECT_FLOAT_EQ(l->temperature, 0.6f);
  EXPECT_FLOAT_EQ(l->top_p, 0.9f);
  EXPECT_TRUE(ValidateSamplerOptions(*q).ok());
  EXPECT_TRUE(ValidateSamplerOptions(*g).ok());
}

}  // namespace
}  // namespace litertlm
