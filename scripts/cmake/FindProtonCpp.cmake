# Finds Qpid Proton C++ (Debian: libqpid-proton-cpp12-dev). The package ships no CMake config and
# its .pc file requires .pc files Debian does not ship, so locate header and library directly.
# Defines the imported target Proton::cpp.
find_path(ProtonCpp_INCLUDE_DIR proton/container.hpp)
find_library(ProtonCpp_LIBRARY qpid-proton-cpp)
# The C core, for the few things the C++ binding does not expose (delivery conditions).
find_library(ProtonCore_LIBRARY qpid-proton)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ProtonCpp REQUIRED_VARS ProtonCpp_LIBRARY ProtonCore_LIBRARY ProtonCpp_INCLUDE_DIR)
if(ProtonCpp_FOUND AND NOT TARGET Proton::cpp)
  add_library(Proton::cpp UNKNOWN IMPORTED)
  set_target_properties(Proton::cpp PROPERTIES
    IMPORTED_LOCATION "${ProtonCpp_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${ProtonCpp_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${ProtonCore_LIBRARY}")
endif()
mark_as_advanced(ProtonCpp_INCLUDE_DIR ProtonCpp_LIBRARY ProtonCore_LIBRARY)
