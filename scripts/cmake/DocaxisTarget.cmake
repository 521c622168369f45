# docaxis_library(NAME SOURCES file... [DEPS target...] [PRIVATE_DEPS target...])
# Creates static library docaxis_<NAME> with alias docaxis::<NAME>, the project's warnings,
# and hub/ as its include root (#include "edxml/organ_id.hpp"). The DEPS list is the
# layering rule: a module may include only what it links.
set(DOCAXIS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)

function(docaxis_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(docaxis_${name} STATIC ${ARG_SOURCES})
  add_library(docaxis::${name} ALIAS docaxis_${name})
  target_include_directories(docaxis_${name} PUBLIC ${PROJECT_SOURCE_DIR}/hub)
  target_compile_options(docaxis_${name} PRIVATE ${DOCAXIS_WARNINGS})
  target_link_libraries(docaxis_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# docaxis_executable(NAME SOURCES file... [DEPS target...])
function(docaxis_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${DOCAXIS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
