# litertlm_set_warnings(target): the project's warning set; -Werror when LITERTLM_WERROR is ON (CI).
function(litertlm_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                         -Wnon-virtual-dtor -Wno-missing-field-initializers)
  if(LITERTLM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
