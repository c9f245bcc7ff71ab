// Reads one OPM Flow run through opm-common's EclIO readers (EGrid, EInit, ERst, ESmry):
// the grid and ACTNUM, PERMX/PERMZ/PORO/PORV, SGAS/PRESSURE/RS at every report step with
// their times, the gas injectors' connections, and the summary's FGIT/FGIPG/FGIP.
// Everything is checked before it is returned; any problem throws std::runtime_error naming
// the run ("OPM run 'DIR/CASE': ...").
#pragma once

#include <string>

#include "opm_run.hpp"

namespace fno::opm {

// `where` is a directory flow wrote with --output-dir (holding exactly one *.EGRID, or the
// one named `case_name`), or a base path DIR/CASE.
OpmRun ReadOpmRun(const std::string& where, const std::string& case_name = "");

// The base path DIR/CASE that ReadOpmRun(where, case_name) would read.
std::string FindRunBase(const std::string& where, const std::string& case_name = "");

}  // namespace fno::opm
