// The fixture sets of XNNPACK's outputs, tests/golden/xnnpack_float/<set>/ (one per kernel set
// XNNPACK's x86 config picks, xnnpack_float::KernelSet), made by
// tests/tools/make_xnnpack_float_fixtures.py on a host of that kind (its docstring records which,
// and the set's host.txt the CPU).
#ifndef LITERTLM_TESTS_UNIT_XNNPACK_FIXTURES_H_
#define LITERTLM_TESTS_UNIT_XNNPACK_FIXTURES_H_

#include <fstream>
#include <string>
#include <vector>

#include "kernels/xnnpack_float.h"
#include "unit/test_util.h"

namespace litertlm::testing {

inline std::string XnnpackFixtureDir(xnnpack_float::KernelSet set) {
  return GoldenDir() + "/xnnpack_float/" + xnnpack_float::KernelSetName(set);
}

// <set>/<name>.f32 as floats; empty when the file is missing.
inline std::vector<float> XnnpackFixture(xnnpack_float::KernelSet set, const std::string& name) {
  std::ifstream in(XnnpackFixtureDir(set) + "/" + name + ".f32", std::ios::binary);
  std::vector<float> v;
  float x;
  while (in.read(reinterpret_cast<char*>(&x), sizeof x)) v.push_back(x);
  return v;
}

// The x86 vendor string of this CPU ("AuthenticAMD", "GenuineIntel") or "other".
inline std::string CpuVendor() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_is("amd")) return "AuthenticAMD";
  if (__builtin_cpu_is("intel")) return "GenuineIntel";
#endif
  return "other";
}

// Empty when `set`'s RSQRT results (and so everything after an RMS norm) can hold on this host;
// else the reason they cannot: kAvx2's RSQRT starts from vrsqrtps, whose 12-bit estimate each
// CPU vendor implements in its own way, so a set made on one vendor's CPU holds only on that
// vendor's (host.txt's vendor_id line). rsqrt14 (kAvx512) is exactly specified.
inline std::string RsqrtDiffersReason(xnnpack_float::KernelSet set) {
  if (set != xnnpack_float::KernelSet::kAvx2) return "";
  std::ifstream in(XnnpackFixtureDir(set) + "/host.txt");
  std::string line, vendor;
  while (std::getline(in, line)) {
    if (line.rfind("vendor_id:", 0) == 0) vendor = line.substr(line.find_first_not_of(' ', 10));
  }
  if (vendor == CpuVendor()) return "";
  return "the avx2 fixtures come from a " + vendor + " CPU, whose vrsqrtps estimate differs from this " +
         CpuVendor() + " CPU's: regenerate them here (tests/tools/make_xnnpack_float_fixtures.py)";
}

}  // namespace litertlm::testing

#endif  // LITERTLM_TESTS_UNIT_XNNPACK_FIXTURES_H_
