#include "vxp/secret.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/unique_fd.hpp"

namespace docaxis::vxp {
namespace {

constexpr std::size_t kMaxSecret = 4096;
constexpr std::size_t kMinSecret = 16;

}  // namespace

Result<std::string> read_secret_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    const int e = errno;
    return Status("secret-unreadable", path + ": " + (e == ELOOP ? std::string("is a symbolic link")
                                                                 : std::string(std::strerror(e))));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status("secret-unreadable", path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status("secret-unreadable", path + ": not a regular file");
  if (st.st_uid != ::geteuid()) {
    return Status("secret-not-private", path + ": owned by uid " + std::to_string(st.st_uid) +
                                            ", not by the hub's user (uid " +
                                            std::to_string(::geteuid()) + ")");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status("secret-not-private", path + ": mode " + mode +
                                            " lets others read it; chmod 600 it");
  }
  if (st.st_size > static_cast<off_t>(kMaxSecret + 2)) {
    return Status("secret-invalid", path + ": larger than " + std::to_string(kMaxSecret) + " bytes");
  }
  std::string secret(kMaxSecret + 3, '\0');
  std::size_t got = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), secret.data() + got, secret.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status("secret-unreadable", path + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got == secret.size()) break;
  }
  secret.resize(got);
  if (secret.size() >= 2 && secret.compare(secret.size() - 2, 2, "\r\n") == 0) {
    secret.resize(secret.size() - 2);
  } else if (!secret.empty() && secret.back() == '\n') {
    secret.pop_back();
  }
  if (secret.size() < kMinSecret) {
    return Status("secret-invalid", path + ": shorter than " + std::to_string(kMinSecret) +
                                        " bytes (a guessable secret)");
  }
  if (secret.size() > kMaxSecret) {
    return Status("secret-invalid", path + ": larger than " + std::to_string(kMaxSecret) + " bytes");
  }
  if (secret.find('\0') != std::string::npos) return Status("secret-invalid", path + ": holds a NUL byte");
  return secret;
}

}  // namespace docaxis::vxp
