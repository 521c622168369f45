#include "client/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace docaxis::client {

std::chrono::milliseconds Backoff::delay(int n, double random01) const {
  const double first = static_cast<double>(std::max<long long>(initial.count(), 0));
  const double cap = static_cast<double>(std::max<long long>(max.count(), 0));
  const double growth = std::max(multiplier, 1.0);
  // Stop multiplying once over the cap: multiplier^n overflows to inf long before n does.
  double d = first;
  for (int i = 1; i < n && d < cap; ++i) d *= growth;
  d = std::min(d, cap);
  const double spread = std::clamp(jitter, 0.0, 0.999);
  d += d * spread * (2.0 * std::clamp(random01, 0.0, 1.0) - 1.0);
  return std::chrono::milliseconds(static_cast<long long>(std::max(d, 0.0)));
}

}  // namespace docaxis::client
