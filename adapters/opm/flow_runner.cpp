#include "flow_runner.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace fno::opm {

namespace fs = std::filesystem;

std::string FindFlow(const std::string& requested) {
  const std::string install =
      " (install OPM Flow: PETSCFNO_WITH_OPM=1 bash scripts/install-deps.sh, or apt-get install libopm-simulators-bin; "
      "or name the binary with -flow PATH)";
  if (requested.find('/') != std::string::npos) {
    if (::access(requested.c_str(), X_OK) == 0) return requested;
    throw std::runtime_error("OPM Flow binary '" + requested + "' is not an executable file" + install);
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  std::size_t begin = 0;
  while (begin <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', begin), dirs.size());
    const std::string dir = dirs.substr(begin, end - begin);
    if (!dir.empty()) {
      const std::string candidate = (fs::path(dir) / requested).string();
      if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate)) return candidate;
    }
    begin = end + 1;
  }
  throw std::runtime_error("OPM Flow binary '" + requested + "' not found on PATH" + install);
}

namespace {
// The running flow, for the signal handler: a program stopped with SIGTERM/SIGINT/SIGHUP
// (a time-boxed generation) takes its flow down with it instead of leaving it orphaned.
volatile sig_atomic_t running_flow = 0;
extern "C" void StopFlowAndExit(int signal_number) {
  if (running_flow > 0) ::kill(static_cast<pid_t>(running_flow), SIGTERM);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// Installs StopFlowAndExit for the duration of one flow run, restoring the previous handlers.
class ForwardSignals {
 public:
  ForwardSignals() {
    for (std::size_t s = 0; s < kSignals.size(); ++s) previous_[s] = std::signal(kSignals[s], StopFlowAndExit);
  }
  ~ForwardSignals() {
    running_flow = 0;
    for (std::size_t s = 0; s < kSignals.size(); ++s) std::signal(kSignals[s], previous_[s]);
  }
  ForwardSignals(const ForwardSignals&) = delete;
  ForwardSignals& operator=(const ForwardSignals&) = delete;

 private:
  static constexpr std::array<int, 3> kSignals = {SIGTERM, SIGINT, SIGHUP};
  std::array<void (*)(int), 3> previous_{};
};

// posix_spawn's file actions and attributes, released on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  SpawnSetup() { posix_spawn_file_actions_init(&actions); }
  ~SpawnSetup() { posix_spawn_file_actions_destroy(&actions); }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};
}  // namespace

FlowRun RunFlow(const std::string& flow, const std::string& deck, const std::string& output_dir, const std::string& log_path,
                const std::vector<std::string>& extra_args) {
  FlowRun result;
  result.log_path = log_path;
  std::vector<std::string> args = {flow, deck, "--output-dir=" + output_dir, "--tolerance-mb=1e-9", "--threads-per-process=1",
                                   "--output-mode=none", "--enable-async-ecl-output=false"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The environment with OMP_NUM_THREADS=1 (one thread per case), without the MPI job's
  // launcher variables: flow is an MPI program itself and must start as its own singleton,
  // not as a member of the job whose rank spawned it (it hangs in MPI_Init otherwise).
  std::vector<std::string> env_text;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    auto starts = [&](const char* prefix) { return entry.rfind(prefix, 0) == 0; };
    if (starts("OMP_NUM_THREADS=")) continue;
    const bool launcher = starts("PMIX_") || starts("PMI_") || starts("ORTE_") || starts("HYDRA_") ||
                          (starts("OMPI_") && !starts("OMPI_ALLOW_RUN_AS_ROOT"));
    if (!launcher) env_text.push_back(entry);
  }
  env_text.emplace_back("OMP_NUM_THREADS=1");
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  ForwardSignals forward;
  const int rc = posix_spawn(&pid, flow.c_str(), &setup.actions, nullptr, argv.data(), envp.data());
  if (rc != 0) throw std::runtime_error("cannot start OPM Flow '" + flow + "': " + std::strerror(rc));
  running_flow = static_cast<sig_atomic_t>(pid);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string("waiting for OPM Flow failed: ") + std::strerror(errno));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return result;
}

std::string LogTail(const std::string& log_path, int lines) {
  std::ifstream in(log_path);
  std::deque<std::string> tail, errors;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
    if (line.find("Error") != std::string::npos) {
      errors.push_back(line);
      if (static_cast<int>(errors.size()) > lines) errors.pop_front();
    }
  }
  const auto& chosen = errors.empty() ? tail : errors;
  std::string text;
  for (const auto& l : chosen) text += "\n  " + l;
  return text;
}

}  // namespace fno::opm
