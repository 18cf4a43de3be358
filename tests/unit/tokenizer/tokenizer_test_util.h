// Shared helpers for the tokenizer tests: fixture tokenizers, the golden corpus, the 1 MB
// document recipe (mirrors long_document() in tests/tools/make_tokenizer_corpus.py).
#ifndef LITERTLM_TESTS_UNIT_TOKENIZER_TOKENIZER_TEST_UTIL_H_
#define LITERTLM_TESTS_UNIT_TOKENIZER_TOKENIZER_TEST_UTIL_H_

#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <zlib.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "litertlm/tokenizer.h"
#include "unit/test_util.h"

namespace litertlm::testing {

inline std::string FixtureTokenizerPath(const std::string& model) {
  return SharedDir() + "/fixtures/tokenizers/" + model + "/tokenizer.json";
}

inline std::string TokenizerGoldenPath(const std::string& name) { return GoldenDir() + "/tokenizer/" + name; }

// Loaded once per process; nullptr (with the error printed) when loading fails.
inline const Tokenizer* FixtureTokenizer(const std::string& model) {
  static std::map<std::string, std::unique_ptr<Tokenizer>>* cache =
      new std::map<std::string, std::unique_ptr<Tokenizer>>();
  auto it = cache->find(model);
  if (it != cache->end()) return it->second.get();
  auto tok = Tokenizer::FromFile(FixtureTokenizerPath(model));
  if (!tok.ok()) {
    fprintf(stderr, "loading %s: %s\n", model.c_str(), tok.status().ToString().c_str());
    return nullptr;
  }
  const Tokenizer* raw = tok->get();
  (*cache)[model] = std::move(*tok);
  return raw;
}

struct ModelReference {
  std::vector<TokenId> ids, ids_special;
  std::string decoded, decoded_skip;
};
struct CorpusEntry {
  std::string text;
  std::map<std::string, ModelReference> ref;  // "qwen3", "gemma3"
};

inline std::string ReadGzip(const std::string& path) {
  std::string out;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

inline std::vector<TokenId> IdsOf(const rapidjson::Value& v) {
  std::vector<TokenId> ids;
  for (const auto& x : v.GetArray()) ids.push_back(x.GetInt());
  return ids;
}

inline const std::vector<CorpusEntry>& Corpus() {
  static std::vector<CorpusEntry>* corpus = [] {
    auto* out = new std::vector<CorpusEntry>();
    std::string all = ReadGzip(TokenizerGoldenPath("corpus.jsonl.gz"));
    size_t pos = 0;
    while (pos < all.size()) {
      size_t nl = all.find('\n', pos);
      if (nl == std::string::npos) nl = all.size();
      rapidjson::Document d;
      d.Parse(all.data() + pos, nl - pos);
      pos = nl + 1;
      if (d.HasParseError() || !d.IsObject()) continue;
      CorpusEntry e;
      e.text.assign(d["text"].GetString(), d["text"].GetStringLength());
      for (const char* m : {"qwen3", "gemma3"}) {
        const auto& r = d[m];
        ModelReference ref;
        ref.ids = IdsOf(r["ids"]);
        ref.ids_special = IdsOf(r["ids_special"]);
        ref.decoded.assign(r["decoded"].GetString(), r["decoded"].GetStringLength());
        ref.decoded_skip.assign(r["decoded_skip"].GetString(), r["decoded_skip"].GetStringLength());
        e.ref[m] = std::move(ref);
      }
      out->push_back(std::move(e));
    }
    return out;
  }();
  return *corpus;
}

// The 1 MB document: corpus texts in order, cycled, joined by '\n', until >= 1 MiB.
inline std::string LongDocument(const std::vector<CorpusEntry>& corpus) {
  std::string doc;
  size_t size = 0;
  for (size_t i = 0; size < (1u << 20) && !corpus.empty(); ++i) {
    const std::string& t = corpus[i % corpus.size()].text;
    if (i) doc.push_back('\n');
    doc.append(t);
    size += t.size() + 1;
  }
  return doc;
}

inline std::string Sha256Hex(const void* data, size_t size) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

}  // namespace litertlm::testing

#endif  // LITERTLM_TESTS_UNIT_TOKENIZER_TOKENIZER_TEST_UTIL_H_
