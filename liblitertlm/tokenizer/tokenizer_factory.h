// The library's way to load a checkpoint's tokenizer when it has already read the checkpoint's
// tokenizer settings (Tokenizer::FromFile, public, reads them itself).
#ifndef LITERTLM_TOKENIZER_TOKENIZER_FACTORY_H_
#define LITERTLM_TOKENIZER_TOKENIZER_FACTORY_H_

#include <memory>
#include <string>

#include "format/tokenizer_config.h"
#include "litertlm/status.h"
#include "litertlm/tokenizer.h"

namespace litertlm {

// Tokenizer::FromFile(path) with `config` (the tokenizer_config.json beside the tokenizer file,
// ReadTokenizerConfig) giving a tokenizer.json's BOS/EOS.
StatusOr<std::unique_ptr<Tokenizer>> TokenizerFromFile(const std::string& path,
                                                       const TokenizerConfig& config);

}  // namespace litertlm

#endif  // LITERTLM_TOKENIZER_TOKENIZER_FACTORY_H_
