# integration.replay_golden: the real binary on the golden data; stdout must
# equal data/golden.json byte for byte, with exit code 0 and nothing on stderr.
#   cmake -DNINESD=path/to/ninesd -DDATA=tests/replay/data -DACTUAL=out.json -P replay_golden.cmake
foreach(var NINESD DATA ACTUAL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "replay_golden.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(
  COMMAND "${NINESD}" replay --config "${DATA}/golden.yaml" --events "${DATA}/golden.jsonl"
          --at 2026-10-26T12:00:00Z --format json
  OUTPUT_VARIABLE actual
  ERROR_VARIABLE errors
  RESULT_VARIABLE code)
file(WRITE "${ACTUAL}" "${actual}")
if(NOT code STREQUAL "0")
  message(FATAL_ERROR "ninesd replay exited with ${code}:\n${errors}")
endif()
if(NOT errors STREQUAL "")
  message(FATAL_ERROR "ninesd replay wrote to stderr:\n${errors}")
endif()
file(READ "${DATA}/golden.json" expected)
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "stdout differs from ${DATA}/golden.json; it is in ${ACTUAL}\n"
                      "  diff <(python3 -m json.tool ${DATA}/golden.json) "
                      "<(python3 -m json.tool ${ACTUAL})")
endif()
message(STATUS "replay output equals golden.json (${ACTUAL})")
