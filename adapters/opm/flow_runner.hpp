// Runs OPM Flow on a deck: one thread (OMP_NUM_THREADS=1, --threads-per-process=1), tight
// mass-balance tolerance (--tolerance-mb=1e-9), results in an output directory, stdout and
// stderr in a log file. The binary is `flow` from PATH unless a path is given.
#pragma once

#include <string>
#include <vector>

namespace fno::opm {

// The flow executable: `requested` itself when it contains a '/', else the first match on
// PATH. Throws std::runtime_error saying how to install OPM Flow when there is none.
std::string FindFlow(const std::string& requested = "flow");

struct FlowRun {
  int exit_code = 0;     // flow's exit status (or 128 + signal)
  double seconds = 0;    // wall time
  std::string log_path;
};

// Runs `flow deck --output-dir=output_dir ...` in the deck's directory and waits for it.
// Throws std::runtime_error when it cannot start; a failing flow is reported by exit_code.
FlowRun RunFlow(const std::string& flow, const std::string& deck, const std::string& output_dir, const std::string& log_path,
                const std::vector<std::string>& extra_args = {});

// The last lines of a log mentioning "Error" (or its last lines), for messages.
std::string LogTail(const std::string& log_path, int lines = 6);

}  // namespace fno::opm
