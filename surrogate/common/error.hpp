// Errors of the core: one exception type carrying a PETSc-style message.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace fno {

// Thrown by the core for bad arguments and failed library calls. Every check on
// global arguments is evaluated identically on all ranks, so every rank throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class A, class... R>
void append(std::ostringstream& os, const A& a, const R&... r) {
  os << a;
  append(os, r...);
}
}  // namespace detail

template <class... A>
[[noreturn]] void fail(const char* where, const A&... a) {
  std::ostringstream os;
  os << where << "(): ";
  detail::append(os, a...);
  throw Error(os.str());
}

}  // namespace fno

// FNO_CHECK(cond, message parts...) throws fno::Error naming the enclosing function.
#define FNO_CHECK(cond, ...)                      \
  do {                                            \
    if (!(cond)) ::fno::fail(__func__, __VA_ARGS__); \
  } while (0)

// FNO_CHECK_AS("Name", cond, message parts...) names the operation explicitly.
#define FNO_CHECK_AS(where, cond, ...)          \
  do {                                          \
    if (!(cond)) ::fno::fail(where, __VA_ARGS__); \
  } while (0)

// FNO_MPI(call) turns a failed MPI call into fno::Error.
#define FNO_MPI(call)                                                    \
  do {                                                                   \
    int fno_mpi_rc_ = (call);                                            \
    if (fno_mpi_rc_ != MPI_SUCCESS) ::fno::fail(__func__, "MPI call failed: " #call); \
  } while (0)
