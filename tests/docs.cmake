# Man pages, completions, install and packages. The scripts are in
# tests/docs/ (lib.sh says how options are read and shells are driven). They
# run on a Unix build host with bash; a test whose tool (mandoc, zsh, fish,
# dpkg-deb, man) is missing reports itself skipped (77). The Windows build
# gets only the ZIP test; the rest is about Linux.
set(hv_docs ${CMAKE_CURRENT_SOURCE_DIR}/docs)
find_program(HV_BASH bash)

if(NOT CMAKE_HOST_UNIX OR NOT HV_BASH)
  return()
endif()

# hv_docs_test(NAME script.sh args...): ctest entry docs.NAME running the
# script with the source tree and the built tools first in PATH.
function(hv_docs_test name script)
  add_test(NAME docs.${name} COMMAND ${HV_BASH} ${hv_docs}/${script} ${ARGN})
  set_tests_properties(docs.${name} PROPERTIES
    SKIP_RETURN_CODE 77
    ENVIRONMENT "SRC=${PROJECT_SOURCE_DIR};PATH=$<TARGET_FILE_DIR:hvcat>:$ENV{PATH}")
endfunction()

# No two files of lib/ call each other in a circle: the call graph from the
# symbols each of libhvsock's objects defines and leaves undefined (the
# build's nm: MinGW's reads the Windows objects too). A circle that cannot
# be broken at once may be listed here as known: told, not failing, and
# the test fails once it is gone, so that the list only shrinks.
if(CMAKE_NM)
  set(hv_known_circles "")
  hv_docs_test(circles circles.sh ${CMAKE_NM} $<TARGET_FILE:hvsock>
               ${hv_known_circles})
endif()

if(WIN32)
  # man/ is configured after tests/: look as it will (same cache entries)
  find_program(HV_MANDOC mandoc)
  if(NOT DEFINED HV_INSTALL_RENDERED_MAN OR HV_INSTALL_RENDERED_MAN)
    set(hv_want_rendered ON)
  else()
    set(hv_want_rendered OFF)
  endif()
  if(hv_want_rendered AND HV_MANDOC)
    set(hv_rendered 1)
  else()
    set(hv_rendered 0)
  endif()
  hv_docs_test(package.zip zip.sh ${PROJECT_BINARY_DIR} ${hv_rendered} ${HV_TOOL_TARGETS})
  return()
endif()

# mandoc -Tlint, one entry per page.
file(GLOB hv_man_pages RELATIVE ${PROJECT_SOURCE_DIR}/man
     CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.[1-9])
foreach(page ${hv_man_pages})
  hv_docs_test(lint.${page} lint.sh ${page})
endforeach()
# Exit codes documented once (hvsock.7), referred to from every page.
hv_docs_test(exitcodes exitcodes.sh)
# and each tool's --help names the same codes
foreach(tool ${HV_TOOL_TARGETS})
  hv_docs_test(helpexit.${tool} helpexit.sh ${tool})
endforeach()
# The sections, examples and caveats of each tool page.
foreach(page ${hv_man_pages})
  if(NOT page STREQUAL "hvsock.7")
    hv_docs_test(sections.${page} sections.sh ${page})
  endif()
endforeach()

# Every option of every tool in its man page and in each completion, and
# nothing more; the keyword table and hvreg's commands the same way.
set(hv_doc_places man bash zsh fish powershell)
set(hv_option_places ${hv_doc_places} help)
foreach(tool ${HV_TOOL_TARGETS})
  foreach(where ${hv_option_places})
    hv_docs_test(options.${tool}.${where} options.sh ${where} ${tool})
  endforeach()
endforeach()
foreach(where ${hv_doc_places})
  hv_docs_test(keywords.${where} keywords.sh ${where})
  hv_docs_test(subcommands.${where} subcommands.sh ${where})
  hv_docs_test(suboptions.${where} suboptions.sh ${where})
endforeach()

# The PowerShell script parses (tree-sitter's PowerShell grammar under
# node; skipped unless HV_PS_PARSER_DIR holds node_modules with
# web-tree-sitter and tree-sitter-powershell, see tests/docs/ps1-syntax.mjs).
set(HV_PS_PARSER_DIR "" CACHE PATH
    "directory whose node_modules has web-tree-sitter and tree-sitter-powershell")
find_program(HV_NODE node)
if(HV_NODE)
  add_test(NAME docs.powershell.syntax
           COMMAND ${HV_NODE} ${hv_docs}/ps1-syntax.mjs "${HV_PS_PARSER_DIR}"
                   ${PROJECT_SOURCE_DIR}/completions/powershell/hvsock-tools.ps1)
else()
  add_test(NAME docs.powershell.syntax
           COMMAND ${HV_BASH} -c "echo 'SKIP: node is not installed'; exit 77")
endif()
set_tests_properties(docs.powershell.syntax PROPERTIES SKIP_RETURN_CODE 77)

# Tab in the real shells: exact answers for a few lines, and live values
# from hvvmid/hvreg stand-ins (present, then failing).
foreach(sh bash zsh fish)
  hv_docs_test(complete.${sh}.keyword-prefix complete.sh ${sh} "hvcat lo" local loopback)
  hv_docs_test(complete.${sh}.long-prefix complete.sh ${sh} "hvcat --no-s"
               --no-shutdown --no-stdin)
  hv_docs_test(complete.${sh}.after-option complete.sh ${sh} "hvlisten -k -v pa" parent)
  # -e's command is an option argument, not the VM operand
  hv_docs_test(complete.${sh}.after-exec complete.sh ${sh} "hvcat -e cat lo" local loopback)
  hv_docs_test(complete.${sh}.hvreg-command complete.sh ${sh} "hvreg re" remove)
  hv_docs_test(complete.${sh}.hvreg-format complete.sh ${sh}
               "hvreg export --format " reg ps1 cmd)
  hv_docs_test(complete.${sh}.hvreg-export complete.sh ${sh} "hvreg export " add remove)
  hv_docs_test(complete.${sh}.hvvmid-keyword complete.sh ${sh} "hvvmid sil" silohost)
  hv_docs_test(live.${sh} live.sh ${sh})
endforeach()

# DEVELOPERS.md's map of concerns to files matches the tree.
hv_docs_test(devmap devmap.sh)
hv_docs_test(facts facts.sh)

# scripts/demo.sh's TCP part ends with exit 0.
hv_docs_test(demo demo.sh ${PROJECT_BINARY_DIR})

# Install into a temporary prefix; the .deb.
hv_docs_test(install install.sh ${PROJECT_BINARY_DIR})
if(HV_STATIC)
  set(hv_static ON)
else()
  set(hv_static OFF)
endif()
hv_docs_test(package.deb package.sh ${PROJECT_BINARY_DIR} ${PROJECT_VERSION}
             ${hv_static} ${HV_TOOL_TARGETS})
