// `run --stats`: timing, throughput, token and memory lines on stderr.
#ifndef LITERTLM_CLI_RUN_STATS_H_
#define LITERTLM_CLI_RUN_STATS_H_

#include <cstdint>

#include "litertlm/session.h"

namespace litertlm::cli {

// Peak resident memory of this process so far (getrusage ru_maxrss), in bytes.
uint64_t PeakMemoryBytes();

// "load time: 0.52 s (model and tokenizer)" on stderr.
void PrintLoadStats(double load_seconds, bool color);

// One block of "name: value" lines on stderr for an answer: prompt tokens (reused), time to first
// token, prefill and decode tokens/s, generated tokens, finish reason, context tokens used, peak
// memory.
void PrintAnswerStats(const GenerateResult& result, bool color);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_RUN_STATS_H_
