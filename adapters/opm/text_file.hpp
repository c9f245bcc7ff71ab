// Small whole-file helpers for the OPM adapters: read a file's bytes, and write a file
// atomically (a temporary file in the same directory, then rename), so that a killed program
// never leaves a half-written deck or include behind.
#pragma once

#include <optional>
#include <string>

namespace fno::opm {

// The file's bytes, or nothing when it cannot be read.
std::optional<std::string> ReadTextFile(const std::string& path);

// Throws std::runtime_error naming the path on failure.
void WriteTextFileAtomically(const std::string& path, const std::string& text);

}  // namespace fno::opm
