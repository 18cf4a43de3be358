# litertlm_set_warnings(target): the project's warning set; -Werror when LITERTLM_WERROR is ON (CI).
# GCC's -Wshadow=local (locals shadowing locals) has no Clang spelling; Clang gets
# -Wshadow-uncaptured-local, its nearest equivalent. Clang's -Wambiguous-reversed-operator fires
# on Debian's RapidJSON 1.1 iterators (their operator!= predates C++20's reversed candidates) at
# every comparison we write with them; it is off.
function(litertlm_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor
                         -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wshadow=local)
  elseif(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wshadow-uncaptured-local
                           -Wno-ambiguous-reversed-operator)
  endif()
  if(LITERTLM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
