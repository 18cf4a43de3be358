#include "util/cpu_info.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace litertlm {
namespace {

namespace fs = std::filesystem;

// A fake filesystem root holding /proc/self/{cgroup,mountinfo} and cgroup files.
class FakeRoot {
 public:
  FakeRoot() {
    root_ = fs::temp_directory_path() /
            ("cpu_info_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~FakeRoot() { fs::remove_all(root_); }
  void Write(const std::string& path, const std::string& text) const {
    const fs::path p = root_ / path.substr(1);
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string root() const { return root_.string(); }

 private:
  fs::path root_;
};

constexpr char kV2Mount[] =
    "24 1 0:22 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";

TEST(CpuInfoTest, ParsesCpuMax) {
  EXPECT_EQ(ParseCpuMax("max 100000\n"), std::nullopt);
  EXPECT_DOUBLE_EQ(ParseCpuMax("150000 100000\n").value_or(0), 1.5);
  EXPECT_DOUBLE_EQ(ParseCpuMax("50000 100000").value_or(0), 0.5);
  EXPECT_EQ(ParseCpuMax(""), std::nullopt);
  EXPECT_EQ(ParseCpuMax("abc 100000"), std::nullopt);
  EXPECT_EQ(ParseCpuMax("100000 0"), std::nullopt);
}

TEST(CpuInfoTest, ParsesCfsQuota) {
  EXPECT_EQ(ParseCfsQuota("-1\n", "100000\n"), std::nullopt);
  EXPECT_DOUBLE_EQ(ParseCfsQuota("200000\n", "100000\n").value_or(0), 2.0);
  EXPECT_EQ(ParseCfsQuota("", "100000"), std::nullopt);
}

TEST(CpuInfoTest, CountsPhysicalCoresAmongAllowedCpus) {
  // Two cores with two hyperthreads each: CPUs 0 and 2 on core 0, 1 and 3 on core 1.
  std::string cpuinfo;
  const int core_of[] = {0, 1, 0, 1};
  for (int cpu = 0; cpu < 4; ++cpu) {
    cpuinfo += "processor\t: " + std::to_string(cpu) + "\nmodel name\t: Fake CPU\nphysical id\t: 0\n" +
               "core id\t\t: " + std::to_string(core_of[cpu]) + "\ncpu cores\t: 2\n\n";
  }
  EXPECT_EQ(CountPhysicalCores(cpuinfo, {}), 2);
  EXPECT_EQ(CountPhysicalCores(cpuinfo, {0, 1, 2, 3}), 2);
  EXPECT_EQ(CountPhysicalCores(cpuinfo, {0, 2}), 1);  // both hyperthreads of core 0
  EXPECT_EQ(CountPhysicalCores(cpuinfo, {0, 1}), 2);
  EXPECT_EQ(CountPhysicalCores(cpuinfo, {3}), 1);
  // No core ids (e.g. some ARM kernels): 0, the caller counts logical CPUs.
  EXPECT_EQ(CountPhysicalCores("processor\t: 0\nBogoMIPS\t: 50\n\nprocessor\t: 1\n", {}), 0);
}

TEST(CpuInfoTest, CgroupV2QuotaIsTheSmallestAlongThePath) {
  FakeRoot fake;
  fake.Write("/proc/self/cgroup", "0::/user.slice/app.scope\n");
  fake.Write("/proc/self/mountinfo", kV2Mount);
  fake.Write("/sys/fs/cgroup/cpu.max", "max 100000\n");
  fake.Write("/sys/fs/cgroup/user.slice/cpu.max", "300000 100000\n");
  fake.Write("/sys/fs/cgroup/user.slice/app.scope/cpu.max", "max 100000\n");
  EXPECT_DOUBLE_EQ(CgroupCpuLimit(fake.root()).value_or(0), 3.0);
  fake.Write("/sys/fs/cgroup/user.slice/app.scope/cpu.max", "150000 100000\n");
  EXPECT_DOUBLE_EQ(CgroupCpuLimit(fake.root()).value_or(0), 1.5);
}

TEST(CpuInfoTest, CgroupV2WithoutQuota) {
  FakeRoot fake;
  fake.Write("/proc/self/cgroup", "0::/\n");
  fake.Write("/proc/self/mountinfo", kV2Mount);
  fake.Write("/sys/fs/cgroup/cpu.max", "max 100000\n");
  EXPECT_EQ(CgroupCpuLimit(fake.root()), std::nullopt);
}

TEST(CpuInfoTest, CgroupV1CpuControllerAndAContainersMountRoot) {
  FakeRoot fake;
  // A container sees its own cgroup (/docker/abc) as the root of the cpu,cpuacct mount.
  fake.Write("/proc/self/cgroup",
             "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n");
  fake.Write("/proc/self/mountinfo",
             "30 25 0:26 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup "
             "rw,cpu,cpuacct\n"
             "31 25 0:27 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n");
  fake.Write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "50000\n");
  fake.Write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  EXPECT_DOUBLE_EQ(CgroupCpuLimit(fake.root()).value_or(0), 0.5);
  fake.Write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  EXPECT_EQ(CgroupCpuLimit(fake.root()), std::nullopt);
}

TEST(CpuInfoTest, CgroupV1NestedPath) {
  FakeRoot fake;
  fake.Write("/proc/self/cgroup", "3:cpuacct,cpu:/batch/job7\n");
  fake.Write("/proc/self/mountinfo",
             "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
             "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n");
  fake.Write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
  fake.Write("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
  fake.Write("/sys/fs/cgroup/cpu/batch/cpu.cfs_quota_us", "400000\n");
  fake.Write("/sys/fs/cgroup/cpu/batch/cpu.cfs_period_us", "100000\n");
  fake.Write("/sys/fs/cgroup/cpu/batch/job7/cpu.cfs_quota_us", "120000\n");
  fake.Write("/sys/fs/cgroup/cpu/batch/job7/cpu.cfs_period_us", "100000\n");
  EXPECT_DOUBLE_EQ(CgroupCpuLimit(fake.root()).value_or(0), 1.2);
}

TEST(CpuInfoTest, MissingFilesMeanNoLimit) {
  FakeRoot fake;
  EXPECT_EQ(CgroupCpuLimit(fake.root()), std::nullopt);
}

TEST(CpuInfoTest, CountsAreWithinTheAffinityMask) {
  const auto allowed = AllowedCpus();
  ASSERT_FALSE(allowed.empty());
  EXPECT_GE(AvailableCpuCount(), 1);
  EXPECT_LE(AvailableCpuCount(), static_cast<int>(allowed.size()));
  EXPECT_GE(DefaultThreadCount(), 1);
  EXPECT_LE(DefaultThreadCount(), AvailableCpuCount());
}

}  // namespace
}  // namespace litertlm
