# LITERTLM_SANITIZE="address;undefined" instruments every target of the build.
if(LITERTLM_SANITIZE)
  string(REPLACE ";" "," _litertlm_san "${LITERTLM_SANITIZE}")
  add_compile_options(-fsanitize=${_litertlm_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_litertlm_san})
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    add_compile_options(-fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/ubsan_ignorelist.txt)
  endif()
endif()
