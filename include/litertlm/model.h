// File: litertlm/model.h
// Model and ModelLoader: weights loaded once, immutable afterwards.
//
//   auto model = litertlm::ModelLoader::Load("/models/Qwen3-0.6B");   // checkpoint directory
//   if (!model.ok()) return model.status();
//   std::cout << (*model)->info().num_layers << "\n";
//
// Ownership: Load returns std::shared_ptr<const Model>; every Session created from it keeps it
// alive, so a Session never outlives its weights.
// Thread-safety: a Model is immutable after Load; all methods are const and may be called from
// any number of threads at once.
#ifndef LITERTLM_MODEL_H_
#define LITERTLM_MODEL_H_

#include <memory>
#include <string>
#include <string_view>

#include "litertlm/export.h"
#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm {

namespace internal {
struct ImplAccess;  // the library's way to an Impl; not part of the API
}  // namespace internal

// Options fixed for the life of a loaded model.
// How the int8 weights of a TFLite model section (Google's files, and `convert`'s default files)
// meet their activations. The files' recipe (dynamic_wi8_afp32) names fp32 activations; Google's
// runtime rounds them to 8 bits per row on the fly.
enum class Int8Activations {
  // 16 bits per row: the integer kernels at twice the multiply-adds, as close to fp32 activations
  // as liblitertlm's own dynamic_int8 (real Gemma 3 270M: top-1 97/98 against transformers).
  kExact,
  // 8 bits per row, asymmetric, as Google's runtime (XNNPACK's dynamic-range FULLY_CONNECTED)
  // rounds them: the tokens Google's runtime gives, a little less exact (the same model: 90/98).
  kLikeGoogleRuntime,
};

// "exact" / "google"; INVALID_ARGUMENT naming the valid values otherwise.
LITERTLM_API StatusOr<Int8Activations> ParseInt8Activations(std::string_view name);

struct LoadOptions {
  // Threads (the caller's included) for the matrix work of sessions on this model, which share
  // one pool of them; 0 = DefaultNumThreads().
  int num_threads = 0;
  // .litertlm files: lock the weights' pages in memory (mlock, like llama.cpp's --mlock), so
  // that neither swap nor the kernel's reclaim (e.g. a DAMON pageout scheme) evicts them between
  // tokens. Needs RLIMIT_MEMLOCK ≥ the weights' size (or CAP_IPC_LOCK); RESOURCE_EXHAUSTED
  // otherwise. Other model formats: INVALID_ARGUMENT.
  bool lock_in_memory = false;
  // TFLite model sections' int8 weights (int4 ones always round activations as Google's runtime).
  Int8Activations int8_activations = Int8Activations::kExact;
};

class LITERTLM_API Model {
 public:
  class Impl;  // private to the library
  explicit Model(std::unique_ptr<Impl> impl);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const;

 private:
  friend struct internal::ImplAccess;
  std::unique_ptr<Impl> impl_;
};

// What num_threads = 0 means for this process: the physical cores among the CPUs it may run
// on (its affinity mask, e.g. `taskset -c 0`), capped by its cgroup's CPU quota (cgroup v2
// cpu.max, v1 cpu.cfs_quota_us; `docker run --cpus 1.5` → 2), at least 1.
LITERTLM_API int DefaultNumThreads();

// What this process computes with, for logs and benchmarks.
struct ComputeInfo {
  // liblitertlm's kernel level: "amx-int8", "avx512vnni", "avx2" or "scalar" (the best this CPU
  // runs, unless LITERTLM_ISA caps it).
  std::string kernels;
  // The widest vector instructions this CPU and OS run: "avx512", "avx2" (with FMA), "avx" or
  // "sse"; "" off x86-64.
  std::string cpu_isa;
  // The kernel set ("core") OpenBLAS picked for the fp32 matrix products of fp32 and fp16 weight
  // files, e.g. "SkylakeX" or "Haswell".
  std::string blas_core;
  // True when that core uses narrower vector instructions than cpu_isa, e.g. "Prescott" (SSE3),
  // which an OpenBLAS that does not know the CPU model falls back to (Debian's 0.3.21 on Intel
  // Emerald Rapids): those products then run several times slower than the CPU could.
  // OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) in the environment picks a fitting one.
  bool blas_core_below_cpu = false;
};

// This process's ComputeInfo (the levels are chosen once, at first use).
LITERTLM_API ComputeInfo GetComputeInfo();

class LITERTLM_API ModelLoader {
 public:
  // Loads a model from `path`: a Hugging Face checkpoint directory (config.json +
  // model.safetensors or model.safetensors.index.json with shards). Weights are mmap'd; F32
  // tensors are used in place, F16/BF16 tensors are widened once. Errors name the file and the
  // tensor or field at fault (NOT_FOUND for missing files, INVALID_ARGUMENT for malformed ones).
  static StatusOr<std::shared_ptr<const Model>> Load(const std::string& path,
                                                     const LoadOptions& options = {});

  // Full integrity check of a .litertlm file: its structure (as Load checks it) and, when the
  // file records one, the SHA-256 of its contents (liblitertlm writes it; reading the whole file
  // takes ~1 s per 276 MB on a 2-core machine, which is why Load itself checks only the structure).
  // true = the checksum matches; false = sound structure but no checksum recorded (files from
  // other tools or from liblitertlm before checksums). A damaged file is DATA_LOSS (or the
  // reader's error) naming the file and saying how to repair it.
  static StatusOr<bool> Verify(const std::string& path);
};

}  // namespace litertlm

#endif  // LITERTLM_MODEL_H_
